#include "fuzzers/campaign/campaign_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/error.h"

namespace iotfuzz::campaign {
namespace {

using nlohmann::json;

// Reads fields of a parsed state file, naming the file and the field's path
// in every error.
class FieldReader {
 public:
  explicit FieldReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const std::string& path, const std::string& expected) const {
    throw Error::Format("{}: field {}: expected {}; the file is not an iotfuzz campaign state (remove it to start the "
                        "campaign afresh)",
                        file_, path, expected);
  }

  const json& Get(const json& object, const std::string& path, const char* key) const {
    static const json kNull;
    if (!object.is_object()) Fail(path, "an object");
    auto it = object.find(key);
    return it == object.end() ? kNull : *it;
  }

  std::string String(const json& object, const std::string& path, const char* key, bool required = false) const {
    const json& v = Get(object, path, key);
    if (v.is_null() && !required) return "";
    if (!v.is_string()) Fail(Join(path, key), "a string");
    return v.get<std::string>();
  }

  double Number(const json& object, const std::string& path, const char* key) const {
    const json& v = Get(object, path, key);
    if (v.is_null()) return 0;
    if (!v.is_number() || v.get<double>() < 0) Fail(Join(path, key), "a number of 0 or more");
    return v.get<double>();
  }

  std::uint64_t Unsigned(const json& object, const std::string& path, const char* key) const {
    const json& v = Get(object, path, key);
    if (v.is_null()) return 0;
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) Fail(Join(path, key), "a whole number of 0 or more");
    return v.get<std::uint64_t>();
  }

  int Integer(const json& object, const std::string& path, const char* key, int fallback) const {
    const json& v = Get(object, path, key);
    if (v.is_null()) return fallback;
    if (!v.is_number_integer()) Fail(Join(path, key), "a whole number");
    return v.get<int>();
  }

  bool Bool(const json& object, const std::string& path, const char* key) const {
    const json& v = Get(object, path, key);
    if (v.is_null()) return false;
    if (!v.is_boolean()) Fail(Join(path, key), "true or false");
    return v.get<bool>();
  }

  const json& Array(const json& object, const std::string& path, const char* key) const {
    static const json kEmpty = json::array();
    const json& v = Get(object, path, key);
    if (v.is_null()) return kEmpty;
    if (!v.is_array()) Fail(Join(path, key), "an array");
    return v;
  }

  static std::string Join(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

 private:
  std::string file_;
};

json ProgressJson(const ProgressRecord& r) {
  return {{"elapsed_seconds", r.elapsed_seconds}, {"execs", r.execs},   {"execs_per_sec", r.execs_per_sec},
          {"edges", r.edges},                     {"corpus", r.corpus}, {"crashes", r.crashes},
          {"hangs", r.hangs}};
}

}  // namespace

std::string_view JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kWaiting:
      return "waiting";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kDone:
      return "done";
    case JobStatus::kFailed:
      return "failed";
  }
  return "waiting";
}

void TargetRecord::AddPoint(const TimelinePoint& p, double min_gap, std::size_t max_points) {
  if (!timeline.empty()) {
    const TimelinePoint& last = timeline.back();
    if (last.edges == p.edges && p.campaign_seconds - last.campaign_seconds < min_gap) return;
  }
  timeline.push_back(p);
  if (timeline.size() > max_points) {
    // Keep the first and last points; drop every second one in between.
    std::vector<TimelinePoint> thinned;
    for (std::size_t i = 0; i < timeline.size(); ++i) {
      if (i == 0 || i + 1 == timeline.size() || i % 2 == 0) thinned.push_back(timeline[i]);
    }
    timeline = std::move(thinned);
  }
}

TargetRecord* CampaignState::Find(std::string_view name) {
  for (auto& t : targets) {
    if (t.planned.name == name) return &t;
  }
  return nullptr;
}

std::size_t CampaignState::NewFindings() const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [](const auto& f) { return !f.known; }));
}

json CampaignState::ToJson() const {
  json ts = json::array();
  for (const TargetRecord& t : targets) {
    json timeline = json::array();
    for (const auto& p : t.timeline) {
      timeline.push_back({p.campaign_seconds, p.target_seconds, p.execs, p.edges, p.corpus});
    }
    ts.push_back({{"name", t.planned.name},
                  {"kind", TargetKindName(t.planned.kind)},
                  {"budget_seconds", t.planned.budget ? json(t.planned.budget->count()) : json(nullptr)},
                  {"runs", t.planned.runs ? json(*t.planned.runs) : json(nullptr)},
                  {"seed", t.planned.seed},
                  {"status", JobStatusName(t.status)},
                  {"elapsed_seconds", t.elapsed_seconds},
                  {"exit_code", t.exit_code},
                  {"error", t.error},
                  {"detail", t.detail},
                  {"log", t.log},
                  {"pid", t.pid},
                  {"progress", ProgressJson(t.progress)},
                  {"timeline", std::move(timeline)}});
  }
  json fs = json::array();
  for (const CampaignFinding& f : findings) {
    fs.push_back({{"target", f.target},
                  {"target_kind", TargetKindName(f.target_kind)},
                  {"signature", f.signature},
                  {"aliases", f.aliases},
                  {"kind", f.kind},
                  {"crash_type", f.crash_type},
                  {"location", f.location},
                  {"reproducer", f.reproducer},
                  {"replay_command", f.replay_command},
                  {"inputs", f.inputs},
                  {"reproduction", f.reproduction},
                  {"known", f.known},
                  {"baseline_note", f.baseline_note}});
  }
  return {{"schema", kSchema},
          {"mode", mode},
          {"round", round},
          {"complete", complete},
          {"started_at", started_at},
          {"finished_at", finished_at},
          {"elapsed_seconds", elapsed_seconds},
          {"resumes", resumes},
          {"config", config},
          {"targets", std::move(ts)},
          {"findings", std::move(fs)},
          {"new_findings", NewFindings()},
          {"errors", errors},
          {"notes", notes},
          {"triage_report", triage_report},
          {"result", result},
          {"exit_code", exit_code}};
}

CampaignState CampaignState::FromJson(const json& j, const std::string& file_name) {
  FieldReader r(file_name);
  if (!j.is_object()) r.Fail("(top level)", "an object");
  if (r.String(j, "", "schema", true) != kSchema) r.Fail("schema", fmt::format("\"{}\"", kSchema));
  CampaignState s;
  s.mode = r.String(j, "", "mode", true);
  s.round = static_cast<std::uint32_t>(r.Unsigned(j, "", "round"));
  s.complete = r.Bool(j, "", "complete");
  s.started_at = r.String(j, "", "started_at");
  s.finished_at = r.String(j, "", "finished_at");
  s.elapsed_seconds = r.Number(j, "", "elapsed_seconds");
  s.resumes = static_cast<std::uint32_t>(r.Unsigned(j, "", "resumes"));
  s.config = r.Get(j, "", "config");
  s.triage_report = r.String(j, "", "triage_report");
  s.result = r.String(j, "", "result");
  s.exit_code = r.Integer(j, "", "exit_code", -1);
  for (const char* key : {"errors", "notes"}) {
    const json& list = r.Array(j, "", key);
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) r.Fail(fmt::format("{}[{}]", key, i), "a string");
      (std::string(key) == "errors" ? s.errors : s.notes).push_back(list[i].get<std::string>());
    }
  }
  const json& targets = r.Array(j, "", "targets");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::string path = fmt::format("targets[{}]", i);
    const json& t = targets[i];
    TargetRecord rec;
    rec.planned.name = r.String(t, path, "name", true);
    if (rec.planned.name.empty()) r.Fail(path + ".name", "a target name");
    const std::string kind = r.String(t, path, "kind", true);
    if (kind != "harness" && kind != "network") r.Fail(path + ".kind", "\"harness\" or \"network\"");
    rec.planned.kind = kind == "harness" ? TargetKind::kHarness : TargetKind::kNetwork;
    if (!r.Get(t, path, "budget_seconds").is_null()) {
      rec.planned.budget = std::chrono::seconds(static_cast<long>(r.Unsigned(t, path, "budget_seconds")));
    }
    if (!r.Get(t, path, "runs").is_null()) rec.planned.runs = r.Unsigned(t, path, "runs");
    rec.planned.seed = static_cast<std::uint32_t>(r.Unsigned(t, path, "seed"));
    const std::string status = r.String(t, path, "status", true);
    bool found = false;
    for (JobStatus st : {JobStatus::kWaiting, JobStatus::kRunning, JobStatus::kDone, JobStatus::kFailed}) {
      if (JobStatusName(st) == status) {
        rec.status = st;
        found = true;
      }
    }
    if (!found) r.Fail(path + ".status", "waiting, running, done or failed");
    rec.elapsed_seconds = r.Number(t, path, "elapsed_seconds");
    rec.exit_code = r.Integer(t, path, "exit_code", -1);
    rec.error = r.String(t, path, "error");
    rec.detail = r.String(t, path, "detail");
    rec.log = r.String(t, path, "log");
    rec.pid = r.Integer(t, path, "pid", 0);
    const json& p = r.Get(t, path, "progress");
    if (!p.is_null()) {
      const std::string pp = path + ".progress";
      rec.progress.elapsed_seconds = r.Number(p, pp, "elapsed_seconds");
      rec.progress.execs = r.Unsigned(p, pp, "execs");
      rec.progress.execs_per_sec = r.Number(p, pp, "execs_per_sec");
      rec.progress.edges = r.Unsigned(p, pp, "edges");
      rec.progress.corpus = r.Unsigned(p, pp, "corpus");
      rec.progress.crashes = r.Unsigned(p, pp, "crashes");
      rec.progress.hangs = r.Unsigned(p, pp, "hangs");
    }
    const json& timeline = r.Array(t, path, "timeline");
    for (std::size_t k = 0; k < timeline.size(); ++k) {
      const json& q = timeline[k];
      const std::string qp = fmt::format("{}.timeline[{}]", path, k);
      if (!q.is_array() || q.size() != 5) r.Fail(qp, "[campaign_seconds, target_seconds, execs, edges, corpus]");
      for (std::size_t n = 0; n < 5; ++n) {
        if (!q[n].is_number() || q[n].get<double>() < 0) r.Fail(qp, "five numbers of 0 or more");
      }
      if (!q[2].is_number_integer() || !q[3].is_number_integer() || !q[4].is_number_integer()) {
        r.Fail(qp, "whole numbers for execs, edges and corpus");
      }
      rec.timeline.push_back({q[0].get<double>(), q[1].get<double>(), q[2].get<std::uint64_t>(),
                              q[3].get<std::uint64_t>(), q[4].get<std::uint64_t>()});
    }
    s.targets.push_back(std::move(rec));
  }
  const json& findings = r.Array(j, "", "findings");
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const std::string path = fmt::format("findings[{}]", i);
    const json& f = findings[i];
    CampaignFinding cf;
    cf.target = r.String(f, path, "target", true);
    cf.target_kind = r.String(f, path, "target_kind") == "network" ? TargetKind::kNetwork : TargetKind::kHarness;
    cf.signature = r.String(f, path, "signature", true);
    const json& aliases = r.Array(f, path, "aliases");
    for (std::size_t k = 0; k < aliases.size(); ++k) {
      if (!aliases[k].is_string()) r.Fail(fmt::format("{}.aliases[{}]", path, k), "a string");
      cf.aliases.push_back(aliases[k].get<std::string>());
    }
    cf.kind = r.String(f, path, "kind");
    cf.crash_type = r.String(f, path, "crash_type");
    cf.location = r.String(f, path, "location");
    cf.reproducer = r.String(f, path, "reproducer");
    cf.replay_command = r.String(f, path, "replay_command");
    cf.inputs = r.Unsigned(f, path, "inputs");
    cf.reproduction = r.String(f, path, "reproduction");
    cf.known = r.Bool(f, path, "known");
    cf.baseline_note = r.String(f, path, "baseline_note");
    s.findings.push_back(std::move(cf));
  }
  return s;
}

std::optional<CampaignState> CampaignState::Load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot open {}", path.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error::Format("{}: not valid JSON (byte {}); expected an iotfuzz campaign state (remove it to start the "
                        "campaign afresh)",
                        path.string(), e.byte);
  }
  return FromJson(j, path.string());
}

void CampaignState::Save(const std::filesystem::path& path) const { WriteFileAtomically(path, ToJson().dump(1) + "\n"); }

}  // namespace iotfuzz::campaign
