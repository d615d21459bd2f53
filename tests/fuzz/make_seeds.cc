// Writes the seeds of the handshake, messages and frame fuzz targets into corpus/: real hellos
// and what else a peer may open with, every message of messages.h encoded, and streams of frames
// (with MACs of zero bytes, which the frame target fills in).
// Run it again when the wire changes, and commit what changes:
//   build/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/frame.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"
#include "tests/fuzz/fixed_keys.h"
#include "tests/fuzz/message_round_trip.h"

namespace minimr::fuzz {
namespace {

namespace fs = std::filesystem;
using wire::MessageType;

void WriteFile(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(path.string() + ": cannot write it");
}

template <size_t N>
std::string Bytes(const std::array<uint8_t, N>& array) {
  return std::string(array.begin(), array.end());
}

wire::MapOutputLocation SampleLocation() { return {"node7.cluster", 40123, 5, 2}; }

wire::TaskSpec SampleTask() {
  wire::TaskSpec task;
  task.job_id = 12;
  task.job_name = "wordcount";
  task.params = {{"min_count", "2"}, {"lowercase", "true"}};
  task.is_map = false;
  task.index = 3;
  task.attempt = 1;
  task.reduce_tasks = 4;
  task.file_index = 1;
  task.offset = 512;
  task.length = 488;
  task.input_paths = {"/data/a.txt", "/data/b.txt"};
  task.input_sizes = {512, 1000};
  task.map_tasks = 7;
  task.map_outputs = {{"10.0.0.2", 40123, 0, 0}, {"10.0.0.3", 40124, 1, 2}};
  task.output_dir = "/out/wordcount";
  task.plugin_path = "/home/me/letters.so";
  task.plugin_sha256 = std::string(64, 'a');
  task.output_format = "jsonl";
  task.parallel_copies = 5;
  task.shuffle = {32u << 20, 96u << 20, 8};
  return task;
}

wire::WorkerInfo SampleWorker() { return {4, "sge task 3 (job 12)", "node7:40123", "idle", 1.25}; }

wire::JobStatus SampleStatus() {
  wire::JobStatus status;
  status.job_id = 12;
  status.maps_done = 3;
  status.maps_total = 8;
  status.reduces_done = 1;
  status.reduces_total = 4;
  status.bytes_done = 4096;
  status.bytes_total = 65536;
  status.workers = 2;
  status.jobs_ahead = 1;
  status.seconds = 2.5;
  status.finished = true;
  status.ok = false;
  status.error = "map task 2 failed 4 times";
  status.counters = {{"map.records", 100}, {"reduce.records", -1}};
  status.output_id = "c0ffee";
  status.cancelled = true;
  return status;
}

wire::JobSubmission SampleSubmission() {
  wire::JobSubmission job;
  job.job_name = "grep";
  job.params = {{"pattern", "a.*b"}};
  job.input_paths = {"/data/a.txt"};
  job.split_size = 1 << 20;
  job.reduce_tasks = 2;
  job.output_dir = "/out/grep";
  job.config_yaml = "job: grep\n";
  job.max_attempts = 3;
  job.max_failures_per_worker = 2;
  job.speculation = false;
  job.plugin_path = "/p.so";
  job.plugin_sha256 = std::string(64, 'b');
  job.plugin_bytes = std::string(
      "\x7f"
      "ELF\0\0",
      6);
  job.output_format = "text";
  job.output_overwrite = true;
  job.parallel_copies = 3;
  job.shuffle = {32u << 20, 96u << 20, 8};
  return job;
}

wire::TaskReport SampleReport() {
  wire::TaskReport report;
  report.job_id = 12;
  report.is_map = false;
  report.index = 1;
  report.attempt = 2;
  report.ok = false;
  report.error = "cannot fetch";
  report.counters = {{"records", 7}};
  report.seconds = 0.5;
  report.lost_maps = {SampleLocation()};
  report.worker_dying = true;
  report.wants_task = true;
  return report;
}

// One encoded sample of each message struct, in kMessageKinds' order.
std::vector<std::string> EncodedSamples() {
  return {
      wire::Encode(wire::RegisterWorker{"node7", 40123, 4242, "node7:4242"}),
      wire::Encode(wire::Registered{3, 500, 5000, 7000}),
      wire::Encode(SampleLocation()),
      wire::Encode(SampleTask()),
      wire::Encode(wire::TaskAssignment{false, SampleTask()}),
      wire::Encode(SampleReport()),
      wire::Encode(wire::WorkerLeaving{"its run-time is up"}),
      wire::Encode(SampleWorker()),
      wire::Encode(wire::ClusterInfo{{SampleWorker(), {5, "w", "h:1", "job 2 map task 5", 0}}, 2}),
      wire::Encode(wire::KillTask{12, true, 4, 1}),
      wire::Encode(wire::Heartbeat{123456}),
      wire::Encode(wire::FetchRequest{12, 5, 2, 3}),
      wire::Encode(wire::FetchEnd{false, "gone", 99}),
      wire::Encode(wire::JobDone{12}),
      wire::Encode(SampleSubmission()),
      wire::Encode(wire::FetchPlugin{12}),
      wire::Encode(wire::PluginData{std::string("\x7f"
                                                "ELF",
                                                4)}),
      wire::Encode(SampleStatus()),
      wire::Encode(wire::CancelJob{"SIGINT at the client"}),
      wire::Encode(wire::ListRequest{12, 4096, 4096}),
      wire::Encode(wire::InputFilesPiece{"", 2, {"/data/a.txt", "/data/b.txt"}, {1000, 2345}}),
      wire::Encode(wire::MapOutputsPiece{"", 7, {SampleLocation(), {"10.0.0.2", 40124, 6, 0}}}),
      wire::Encode(wire::ShuffleBudgets{32u << 20, 96u << 20, 8}),
  };
}

// A frame whose MAC is zero bytes: the frame target fills in the genuine one.
std::string Frame(MessageType type, std::string_view body) {
  std::string frame = Bytes(wire::EncodeFrameLength(static_cast<uint32_t>(body.size() + 1)));
  frame.push_back(static_cast<char>(type));
  frame.append(body);
  frame.append(wire::kFrameMacBytes, '\0');
  return frame;
}

std::string Header(uint32_t length) { return Bytes(wire::EncodeFrameLength(length)); }

void WriteSeeds(const fs::path& corpus) {
  WriteFile(corpus / "handshake" / "hello", Bytes(wire::MakeHello(kFixedClientNonce)));
  WriteFile(corpus / "handshake" / "hello-tls-required",
            Bytes(wire::MakeHello(wire::Nonce{}, wire::kHelloTlsRequired)));
  std::string version_1 = Bytes(wire::MakeHello(kFixedClientNonce));
  version_1[7] = '1';
  WriteFile(corpus / "handshake" / "hello-protocol-1", version_1);
  // The start of a TLS ClientHello record.
  WriteFile(corpus / "handshake" / "tls-client-hello",
            std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) +
                std::string(32, '\x5a') + std::string(1, '\0'));
  WriteFile(corpus / "handshake" / "http-request",
            "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nUser-Agent: curl/7.88.1\r\n\r\n");

  const std::vector<std::string> samples = EncodedSamples();
  if (samples.size() != std::size(kMessageKinds)) throw std::logic_error("a sample is missing");
  for (size_t i = 0; i < samples.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "%02zu-%s", i, kMessageKinds[i].name);
    WriteFile(corpus / "messages" / name, std::string(1, static_cast<char>(i)) + samples[i]);
  }

  // A worker's conversation with the master, and a client's.
  WriteFile(corpus / "frame" / "worker-to-master",
            Frame(MessageType::kRegisterWorker, samples[0]) + Frame(MessageType::kTaskRequest, "") +
                Frame(MessageType::kHeartbeat, samples[10]) +
                Frame(MessageType::kTaskReport, samples[5]) +
                Frame(MessageType::kFetchPlugin, samples[15]) +
                Frame(MessageType::kWorkerLeaving, samples[6]));
  WriteFile(corpus / "frame" / "master-to-worker",
            Frame(MessageType::kRegistered, samples[1]) +
                Frame(MessageType::kTaskAssignment, samples[4]) +
                Frame(MessageType::kKillTask, samples[9]) +
                Frame(MessageType::kJobDone, samples[13]) +
                Frame(MessageType::kPluginData, samples[16]));
  WriteFile(corpus / "frame" / "fetch",
            Frame(MessageType::kFetchRequest, samples[11]) +
                Frame(MessageType::kFetchData, "key\tvalue\nkey2\tvalue2\n") +
                Frame(MessageType::kFetchEnd, samples[12]));
  WriteFile(
      corpus / "frame" / "client",
      Frame(MessageType::kSubmitJob, samples[14]) + Frame(MessageType::kJobProgress, samples[17]) +
          Frame(MessageType::kJobResult, samples[17]) + Frame(MessageType::kClusterStatus, "") +
          Frame(MessageType::kClusterInfo, samples[8]) + Frame(MessageType::kShutdown, ""));
  WriteFile(corpus / "frame" / "length-zero", Frame(MessageType::kTaskRequest, "") + Header(0));
  WriteFile(corpus / "frame" / "length-over-limit",
            Frame(MessageType::kTaskRequest, "") + Header(wire::kMaxFrameBytes + 1));
  WriteFile(corpus / "frame" / "truncated",
            Frame(MessageType::kHeartbeat, samples[10]) + Header(100) + "\x06short");
  std::string forged = Frame(MessageType::kJobDone, samples[13]);
  forged.back() = '\x01';
  WriteFile(corpus / "frame" / "forged-mac", Frame(MessageType::kHeartbeat, samples[10]) + forged +
                                                 Frame(MessageType::kJobDone, samples[13]));
}

}  // namespace
}  // namespace minimr::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  try {
    minimr::fuzz::WriteSeeds(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
