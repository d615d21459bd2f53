// Decoding one wire message from untrusted bytes, as a receiver does, and the promises the
// decoder keeps: it returns or throws DecodeError (anything else escapes the fuzz target and is a
// finding), and a message it returns encodes to bytes that decode again, to the same encoding.
// (The first encoding need not be the input's bytes: Boost writes its own item versions.)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/messages.h"
#include "tests/fuzz/finding.h"

namespace minimr::fuzz {

template <class Message>
void DecodeAndRoundTrip(std::string_view bytes) {
  Message message;
  try {
    wire::Decode(bytes, message);
  } catch (const wire::DecodeError&) {
    return;
  }
  const std::string encoded = wire::Encode(message);
  Message again;
  try {
    wire::Decode(encoded, again);
  } catch (const wire::DecodeError&) {
    MINIMR_FUZZ_CHECK(false, "a decoded message re-encodes to bytes that decode");
  }
  MINIMR_FUZZ_CHECK(wire::Encode(again) == encoded,
                    "a decoded message re-encodes and decodes to an equal message");
}

// Every message struct of messages.h, nested ones included. The fuzz input's first byte is an
// index into this table: add new structs at the end, so that corpus files keep their meaning.
struct MessageKind {
  const char* name;
  void (*decode)(std::string_view bytes);
};
inline constexpr MessageKind kMessageKinds[] = {
    {"RegisterWorker", DecodeAndRoundTrip<wire::RegisterWorker>},
    {"Registered", DecodeAndRoundTrip<wire::Registered>},
    {"MapOutputLocation", DecodeAndRoundTrip<wire::MapOutputLocation>},
    {"TaskSpec", DecodeAndRoundTrip<wire::TaskSpec>},
    {"TaskAssignment", DecodeAndRoundTrip<wire::TaskAssignment>},
    {"TaskReport", DecodeAndRoundTrip<wire::TaskReport>},
    {"WorkerLeaving", DecodeAndRoundTrip<wire::WorkerLeaving>},
    {"WorkerInfo", DecodeAndRoundTrip<wire::WorkerInfo>},
    {"ClusterInfo", DecodeAndRoundTrip<wire::ClusterInfo>},
    {"KillTask", DecodeAndRoundTrip<wire::KillTask>},
    {"Heartbeat", DecodeAndRoundTrip<wire::Heartbeat>},
    {"FetchRequest", DecodeAndRoundTrip<wire::FetchRequest>},
    {"FetchEnd", DecodeAndRoundTrip<wire::FetchEnd>},
    {"JobDone", DecodeAndRoundTrip<wire::JobDone>},
    {"JobSubmission", DecodeAndRoundTrip<wire::JobSubmission>},
    {"FetchPlugin", DecodeAndRoundTrip<wire::FetchPlugin>},
    {"PluginData", DecodeAndRoundTrip<wire::PluginData>},
    {"JobStatus", DecodeAndRoundTrip<wire::JobStatus>},
    {"CancelJob", DecodeAndRoundTrip<wire::CancelJob>},
    {"ListRequest", DecodeAndRoundTrip<wire::ListRequest>},
    {"InputFilesPiece", DecodeAndRoundTrip<wire::InputFilesPiece>},
    {"MapOutputsPiece", DecodeAndRoundTrip<wire::MapOutputsPiece>},
    {"ShuffleBudgets", DecodeAndRoundTrip<wire::ShuffleBudgets>},
};

// Decodes a frame's body as the message its type says it carries (messages.h), as the master,
// workers and clients do. Types without a body, kFetchData (raw bytes) and unknown types decode
// nothing.
inline void DecodeFrameBody(wire::MessageType type, std::string_view body) {
  using wire::MessageType;
  switch (type) {
    case MessageType::kRegisterWorker:
      return DecodeAndRoundTrip<wire::RegisterWorker>(body);
    case MessageType::kRegistered:
      return DecodeAndRoundTrip<wire::Registered>(body);
    case MessageType::kTaskAssignment:
      return DecodeAndRoundTrip<wire::TaskAssignment>(body);
    case MessageType::kTaskReport:
      return DecodeAndRoundTrip<wire::TaskReport>(body);
    case MessageType::kHeartbeat:
      return DecodeAndRoundTrip<wire::Heartbeat>(body);
    case MessageType::kFetchRequest:
      return DecodeAndRoundTrip<wire::FetchRequest>(body);
    case MessageType::kFetchEnd:
      return DecodeAndRoundTrip<wire::FetchEnd>(body);
    case MessageType::kJobDone:
      return DecodeAndRoundTrip<wire::JobDone>(body);
    case MessageType::kSubmitJob:
      return DecodeAndRoundTrip<wire::JobSubmission>(body);
    case MessageType::kJobProgress:
    case MessageType::kJobResult:
      return DecodeAndRoundTrip<wire::JobStatus>(body);
    case MessageType::kKillTask:
      return DecodeAndRoundTrip<wire::KillTask>(body);
    case MessageType::kWorkerLeaving:
      return DecodeAndRoundTrip<wire::WorkerLeaving>(body);
    case MessageType::kClusterInfo:
      return DecodeAndRoundTrip<wire::ClusterInfo>(body);
    case MessageType::kFetchPlugin:
      return DecodeAndRoundTrip<wire::FetchPlugin>(body);
    case MessageType::kPluginData:
      return DecodeAndRoundTrip<wire::PluginData>(body);
    case MessageType::kCancelJob:
      return DecodeAndRoundTrip<wire::CancelJob>(body);
    case MessageType::kListInputFiles:
    case MessageType::kListMapOutputs:
      return DecodeAndRoundTrip<wire::ListRequest>(body);
    case MessageType::kInputFiles:
      return DecodeAndRoundTrip<wire::InputFilesPiece>(body);
    case MessageType::kMapOutputs:
      return DecodeAndRoundTrip<wire::MapOutputsPiece>(body);
    case MessageType::kTaskRequest:
    case MessageType::kTaskRequestAhead:
    case MessageType::kFetchData:
    case MessageType::kClusterStatus:
    case MessageType::kShutdown:
      return;
  }
}

}  // namespace minimr::fuzz
