#include "framework/src/runtime/master_lists.h"

#include <stdexcept>
#include <thread>

#include "framework/src/wire/archive.h"

namespace minimr::runtime {
namespace {

// Sends `request` as `ask` and decodes the answer of type `answer` into *piece.
template <class Piece>
void Request(wire::BlockingClient& client, wire::MessageType ask, const wire::ListRequest& request,
             wire::MessageType answer, Piece* piece, const std::function<void()>& on_wait) {
  client.Send(ask, wire::Encode(request));
  wire::MessageType type;
  std::string body;
  client.Receive(&type, &body, on_wait);
  if (type != answer) throw std::runtime_error("unexpected message");
  wire::Decode(body, *piece);
  if (!piece->error.empty()) throw std::runtime_error(piece->error);
}

std::string MasterName(const MasterAddress& master) {
  return "the master at " + master.host + ":" + std::to_string(master.port);
}

}  // namespace

InputFiles FetchInputFiles(const MasterAddress& master, uint64_t job_id,
                           std::chrono::milliseconds timeout) {
  InputFiles files;
  try {
    wire::BlockingClient client(master.host, master.port, master.security, timeout);
    client.SetMaxFrameBytes(master.max_frame_bytes);
    for (;;) {
      wire::InputFilesPiece piece;
      Request(client, wire::MessageType::kListInputFiles,
              {job_id, static_cast<int32_t>(files.paths.size()), 1 << 16},
              wire::MessageType::kInputFiles, &piece, nullptr);
      if (piece.paths.size() != piece.sizes.size()) {
        throw std::runtime_error("a piece of the input file list with " +
                                 std::to_string(piece.paths.size()) + " paths and " +
                                 std::to_string(piece.sizes.size()) + " sizes");
      }
      files.paths.insert(files.paths.end(), piece.paths.begin(), piece.paths.end());
      files.sizes.insert(files.sizes.end(), piece.sizes.begin(), piece.sizes.end());
      if (files.paths.size() >= static_cast<size_t>(piece.total)) break;
      if (piece.paths.empty()) throw std::runtime_error("an empty piece of the input file list");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("reading job " + std::to_string(job_id) + "'s input files from " +
                             MasterName(master) + ": " + e.what());
  }
  return files;
}

MapOutputLocations::MapOutputLocations(MasterAddress master, uint64_t job_id, int map_tasks,
                                       std::chrono::milliseconds timeout,
                                       const TaskControl& control,
                                       std::vector<wire::MapOutputLocation> known, int piece)
    : master_(std::move(master)),
      job_id_(job_id),
      map_tasks_(map_tasks),
      timeout_(timeout),
      control_(control),
      piece_(piece) {
  Take(known);
}

MapOutputLocations::~MapOutputLocations() = default;

bool MapOutputLocations::Next(wire::MapOutputLocation* out) {
  while (buffer_.empty()) {
    if (next_ >= map_tasks_) return false;
    Ask();
  }
  *out = std::move(buffer_.front());
  buffer_.pop_front();
  return true;
}

void MapOutputLocations::Take(std::vector<wire::MapOutputLocation>& locations) {
  for (wire::MapOutputLocation& location : locations) {
    if (location.map_task != next_ || next_ >= map_tasks_) {
      throw std::runtime_error("the master sent the location of map task " +
                               std::to_string(location.map_task) + " for map task " +
                               std::to_string(next_) + " of " + std::to_string(map_tasks_));
    }
    ++next_;
    buffer_.push_back(std::move(location));
  }
}

void MapOutputLocations::Ask() {
  for (;;) {
    control_.CheckCancel();
    wire::MapOutputsPiece piece;
    try {
      if (!client_) {
        client_ = std::make_unique<wire::BlockingClient>(master_.host, master_.port,
                                                         master_.security, timeout_);
        client_->SetMaxFrameBytes(master_.max_frame_bytes);
      }
      Request(*client_, wire::MessageType::kListMapOutputs, {job_id_, next_, piece_},
              wire::MessageType::kMapOutputs, &piece, [this] { control_.CheckCancel(); });
    } catch (const TaskKilled&) {
      throw;
    } catch (const std::exception& e) {
      throw std::runtime_error("reading job " + std::to_string(job_id_) +
                               "'s map output locations from " + MasterName(master_) + ": " +
                               e.what());
    }
    if (piece.total != map_tasks_) {
      throw std::runtime_error("the master says job " + std::to_string(job_id_) + " has " +
                               std::to_string(piece.total) + " map tasks, the task says " +
                               std::to_string(map_tasks_));
    }
    Take(piece.locations);
    if (!buffer_.empty()) return;
    // Map task next_'s output is being made again (its worker was lost).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace minimr::runtime
