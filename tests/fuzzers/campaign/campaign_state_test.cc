#include <catch2/catch.hpp>

#include "fuzzers/campaign/campaign_jobs.h"
#include "fuzzers/campaign/campaign_report.h"
#include "fuzzers/campaign/campaign_runner.h"
#include "fuzzers/campaign/campaign_state.h"
#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz::campaign {
namespace {

using iotfuzz::testing::ReadFileText;
using iotfuzz::testing::TempDir;
using iotfuzz::testing::WriteFileText;

CampaignState Sample() {
  CampaignState s;
  s.mode = "code-change";
  s.round = 3;
  s.started_at = "2026-01-01T00:00:00Z";
  s.elapsed_seconds = 42.5;
  s.resumes = 1;
  s.config = {{"jobs", 2}};
  TargetRecord t;
  t.planned.name = "demo_device_http_fuzzer";
  t.planned.budget = std::chrono::seconds(30);
  t.planned.seed = 4;
  t.status = JobStatus::kRunning;
  t.elapsed_seconds = 12.25;
  t.progress.execs = 1000;
  t.progress.edges = 77;
  t.timeline = {{1, 1, 10, 50, 3}, {6.5, 6.5, 500, 77, 9}};
  s.targets.push_back(t);
  TargetRecord n;
  n.planned.name = "demo_device_mqtt_server";
  n.planned.kind = TargetKind::kNetwork;
  n.planned.runs = 3000;
  n.status = JobStatus::kFailed;
  n.error = "server did not start";
  s.targets.push_back(n);
  CampaignFinding f;
  f.target = "demo_device_http_fuzzer";
  f.signature = "heap-buffer-overflow-0123456789abcdef";
  f.kind = "crash";
  f.known = true;
  f.inputs = 3;
  s.findings.push_back(f);
  return s;
}

TEST_CASE("A campaign state survives a save and a load unchanged") {
  TempDir dir;
  const CampaignState s = Sample();
  s.Save(dir / "campaign.json");
  const auto loaded = CampaignState::Load(dir / "campaign.json");
  REQUIRE(loaded.has_value());
  CHECK(loaded->ToJson() == s.ToJson());
  CHECK(loaded->targets[0].timeline == s.targets[0].timeline);
  CHECK(loaded->targets[1].planned.kind == TargetKind::kNetwork);
  CHECK(loaded->targets[1].planned.runs == std::uint64_t{3000});
  CHECK(loaded->findings[0].known);
  CHECK_FALSE(CampaignState::Load(dir / "absent.json").has_value());
}

TEST_CASE("A damaged campaign state is refused with the file and field named") {
  TempDir dir;
  WriteFileText(dir / "a.json", "{\"schema\": ");
  CHECK_THROWS_WITH(CampaignState::Load(dir / "a.json"), Catch::Contains("a.json: not valid JSON"));
  nlohmann::json j = Sample().ToJson();
  j["targets"][1]["status"] = "sleeping";
  CHECK_THROWS_WITH(CampaignState::FromJson(j, "s.json"),
                    Catch::StartsWith("s.json: field targets[1].status: expected waiting, running, done or failed"));
  j = Sample().ToJson();
  j["targets"][0]["timeline"][1] = {1, 2, 3};
  CHECK_THROWS_WITH(CampaignState::FromJson(j, "s.json"), Catch::StartsWith("s.json: field targets[0].timeline[1]"));
  j = Sample().ToJson();
  j["schema"] = "something.else";
  CHECK_THROWS_WITH(CampaignState::FromJson(j, "s.json"), Catch::Contains("remove it to start the campaign afresh"));
  CHECK_THROWS_WITH(CampaignState::FromJson(nlohmann::json::array(), "s.json"), Catch::Contains("expected an object"));
}

TEST_CASE("A timeline keeps points where coverage moved, at most one per gap otherwise, and thins itself") {
  TargetRecord t;
  t.AddPoint({0, 0, 0, 10, 0});
  t.AddPoint({1, 1, 5, 10, 0});   // same edges, too soon: dropped
  t.AddPoint({2, 2, 9, 12, 0});   // new edges: kept
  t.AddPoint({8, 8, 20, 12, 0});  // same edges but after the gap: kept
  CHECK(t.timeline.size() == 3);
  for (int i = 0; i < 100; ++i) t.AddPoint({10.0 + i, 10.0 + i, 0, static_cast<std::uint64_t>(13 + i), 0}, 5, 50);
  CHECK(t.timeline.size() <= 50);
  CHECK(t.timeline.front().edges == 10);
  CHECK(t.timeline.back().edges == 112);
}

TEST_CASE("Network findings are keyed by kind and signature text") {
  const std::string a = NetFindingSignature("crashes", "crashes: AddressSanitizer: heap-buffer-overflow");
  CHECK(a.rfind("net-crash-", 0) == 0);
  CHECK(a.size() == std::string("net-crash-").size() + 16);
  CHECK(a == NetFindingSignature("crashes", "crashes: AddressSanitizer: heap-buffer-overflow"));
  CHECK(a != NetFindingSignature("crashes", "crashes: AddressSanitizer: stack-buffer-overflow"));
  CHECK(NetFindingSignature("accepted", "x").rfind("net-accepted-", 0) == 0);
}

TEST_CASE("The coverage plot draws the timeline as a line with labelled axes") {
  TargetRecord t;
  t.planned.name = "a<b";
  CHECK(CoverageSvg(t).find("no coverage figures") != std::string::npos);
  t.timeline = {{0, 0, 0, 100, 0}, {5, 5, 0, 180, 0}, {30, 30, 0, 240, 0}};
  const std::string svg = CoverageSvg(t);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(svg.find("aria-label=\"edges over time of a&lt;b\"") != std::string::npos);
  CHECK(svg.find(">edges</text>") != std::string::npos);
  CHECK(svg.find(">300</text>") != std::string::npos);  // the y axis goes past 240 in steps of 100
  CHECK(svg.find(">30s</text>") != std::string::npos);
  // Three points in the polyline.
  const auto start = svg.find("points=\"");
  const auto end = svg.find('"', start + 8);
  const std::string points = svg.substr(start + 8, end - start - 8);
  CHECK(std::count(points.begin(), points.end(), ',') == 3);
}

TEST_CASE("The HTML report lists findings new and known and links triage's report") {
  TempDir dir;
  CampaignState s = Sample();
  s.findings.push_back(s.findings[0]);
  s.findings[1].known = false;
  s.findings[1].signature = "stack-buffer-overflow-1111111111111111";
  s.triage_report = (dir / "triage.json").string();
  WriteFileText(dir / "triage.html", "<html></html>");
  const std::string html = CampaignHtml(s, dir.path());
  CHECK(html.find("<td class=\"new\">NEW</td>") != std::string::npos);
  CHECK(html.find("<td class=\"known\">known</td>") != std::string::npos);
  CHECK(html.find("href=\"triage.html\"") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("error: server did not start") != std::string::npos);
  CHECK(s.NewFindings() == 1);
}

TEST_CASE("Inputs are the visible regular files of each directory, sorted") {
  TempDir dir;
  WriteFileText(dir / "x" / "b", "");
  WriteFileText(dir / "x" / "a", "");
  WriteFileText(dir / "x" / ".hidden", "");
  WriteFileText(dir / "y" / "c", "");
  std::filesystem::create_directories(dir / "x" / "sub");
  const auto inputs = ListInputs({dir / "x", dir / "missing", dir / "y"});
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].filename() == "a");
  CHECK(inputs[2].filename() == "c");
}

}  // namespace
}  // namespace iotfuzz::campaign
