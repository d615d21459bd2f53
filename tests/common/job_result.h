// For tests that play a client of the master: the job's result, past its progress messages.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/messages.h"

namespace minimr::testing {

// Receives until the job's result (kJobResult), skipping progress (kJobProgress), and returns it.
inline wire::JobStatus ReceiveJobResult(wire::BlockingClient& client) {
  wire::MessageType type;
  std::string body;
  do {
    client.Receive(&type, &body);
  } while (type == wire::MessageType::kJobProgress);
  EXPECT_EQ(type, wire::MessageType::kJobResult);
  wire::JobStatus result;
  if (type == wire::MessageType::kJobResult) wire::Decode(body, result);
  return result;
}

}  // namespace minimr::testing
