#include "fuzzers/engine/progress_file.h"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/error.h"

namespace iotfuzz {

void WriteProgressFile(const std::filesystem::path& path, const ProgressRecord& r) {
  const nlohmann::json j = {{"elapsed_seconds", r.elapsed_seconds},
                            {"execs", r.execs},
                            {"execs_per_sec", r.execs_per_sec},
                            {"edges", r.edges},
                            {"corpus", r.corpus},
                            {"crashes", r.crashes},
                            {"hangs", r.hangs},
                            {"finished", r.finished}};
  WriteFileAtomically(path, j.dump() + "\n");
}

std::optional<ProgressRecord> ReadProgressFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  ProgressRecord r;
  auto number = [&](const char* key, auto& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number() && it->template get<double>() >= 0) {
      out = it->template get<std::remove_reference_t<decltype(out)>>();
    }
  };
  number("elapsed_seconds", r.elapsed_seconds);
  number("execs", r.execs);
  number("execs_per_sec", r.execs_per_sec);
  number("edges", r.edges);
  number("corpus", r.corpus);
  number("crashes", r.crashes);
  number("hangs", r.hangs);
  if (auto it = j.find("finished"); it != j.end() && it->is_boolean()) r.finished = it->get<bool>();
  return r;
}

ProgressFileWriter::ProgressFileWriter(std::filesystem::path path, RunObserver* next,
                                       std::chrono::milliseconds interval)
    : path_(std::move(path)), next_(next), interval_(interval) {}

ProgressRecord ProgressFileWriter::FromProgress(const RunProgress& p) {
  ProgressRecord r;
  r.elapsed_seconds = static_cast<double>(p.elapsed.count()) / 1000.0;
  r.execs = p.stats.execs;
  r.execs_per_sec = p.stats.execs_per_sec;
  if (r.execs_per_sec <= 0 && p.elapsed.count() > 0) {
    r.execs_per_sec = static_cast<double>(p.stats.execs) * 1000.0 / static_cast<double>(p.elapsed.count());
  }
  r.edges = p.stats.edges;
  r.corpus = p.stats.corpus_count;
  r.crashes = p.stats.crashes;
  r.hangs = p.stats.timeouts;
  return r;
}

void ProgressFileWriter::OnProgress(const RunProgress& progress) {
  if (next_ != nullptr) next_->OnProgress(progress);
  last_ = FromProgress(progress);
  if (last_written_ && progress.elapsed - *last_written_ < interval_) return;
  last_written_ = progress.elapsed;
  try {
    WriteProgressFile(path_, last_);
  } catch (const Error&) {
    // Progress is for display only: a full disk must not stop the run.
  }
}

void ProgressFileWriter::OnFinish() {
  if (next_ != nullptr) next_->OnFinish();
  last_.finished = true;
  try {
    WriteProgressFile(path_, last_);
  } catch (const Error&) {
  }
}

}  // namespace iotfuzz
