#include "framework/src/plugin/plugin.h"
#include "framework/src/util/closest_name.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>

#include "framework/src/api/job_table.h"
#include "framework/src/plugin/elf_symbols.h"
#include "framework/src/util/process.h"
#include "minimr/atomic_file.h"
#include "minimr/hex.h"

namespace minimr::plugin {
namespace {

constexpr char kApiSymbolPrefix[] = "minimr_plugin_api_v";

std::string Prefix(const std::string& path) { return "plugin " + path + ": "; }

// "undefined symbol: _Z3fooi" -> "undefined symbol: foo(int)", for people.
std::string Demangled(std::string message) {
  static const std::regex mangled("_Z[A-Za-z0-9_]+");
  std::smatch match;
  if (!std::regex_search(message, match, mangled)) return message;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(match.str().c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !name) return message;
  return match.prefix().str() + name.get() + match.suffix().str();
}

struct Loaded {
  void* handle = nullptr;
  std::unique_ptr<JobTable> jobs;
};

std::mutex& LoadMutex() {
  static auto* mutex = new std::mutex;
  return *mutex;
}
std::map<std::string, Loaded>& LoadedPlugins() {
  static auto* loaded = new std::map<std::string, Loaded>;
  return *loaded;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  sha256_ctx sha;
  sha256_init(&sha);
  sha256_update(&sha, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&sha, sizeof digest, digest);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

PluginFile ReadPluginFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  struct stat st {};
  if (!in || ::stat(path.c_str(), &st) != 0) {
    throw PluginError(Prefix(path) + "cannot read it: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw PluginError(Prefix(path) + "is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw PluginError(Prefix(path) + "is " + std::to_string(st.st_size) +
                      " bytes; a plugin may have at most " + std::to_string(max_bytes) +
                      " (strip its debug information)");
  }
  PluginFile file;
  file.path = path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof()) throw PluginError(Prefix(path) + "cannot read it");
  file.bytes = std::move(bytes).str();
  file.sha256 = Sha256Hex(file.bytes);
  return file;
}

void Inspect(const std::string& path) {
  std::string image;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PluginError(Prefix(path) + "cannot read it: " + std::strerror(errno));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    image = std::move(bytes).str();
  }
  std::vector<std::string> symbols;
  try {
    symbols = ExportedSymbols(image);
  } catch (const ElfError& e) {
    throw PluginError(Prefix(path) + "is not a shared library (" + e.what() + ")");
  }
  std::string built_for;
  for (const std::string& symbol : symbols) {
    if (symbol.rfind(kApiSymbolPrefix, 0) == 0) built_for = symbol.substr(sizeof kApiSymbolPrefix - 1);
  }
  if (built_for.empty()) {
    throw PluginError(Prefix(path) +
                      "is not a minimr plugin (no job of it includes minimr/job.h)");
  }
  if (built_for != std::to_string(MINIMR_API_VERSION)) {
    throw PluginError(Prefix(path) + "was built against minimr API version " + built_for +
                      ", and this minimr has API version " +
                      std::to_string(MINIMR_API_VERSION) + "; rebuild it against this minimr");
  }
}

std::vector<std::string> Probe(const std::string& path, const std::string& minimr_program) {
  CommandResult result =
      RunCommand({minimr_program, "plugin", "check", path}, std::chrono::seconds(60));
  std::vector<std::string> jobs;
  std::istringstream lines(result.output);
  std::string line, other;
  while (std::getline(lines, line)) {
    if (line.rfind("job ", 0) == 0) {
      jobs.push_back(line.substr(4));
    } else if (!line.empty()) {
      other += (other.empty() ? "" : "\n") + line;
    }
  }
  if (result.status == 0 && !jobs.empty()) return jobs;
  // The child names the file itself when it could say what went wrong.
  if (result.status == 1 && other.rfind("plugin ", 0) == 0) throw PluginError(other);
  std::string how = result.status == -1 ? "did not finish loading within 60 s"
                    : result.status > 128
                        ? std::string("crashed while loading (") +
                              ::sigdescr_np(result.status - 128) + ")"
                        : "failed to load (exit status " + std::to_string(result.status) + ")";
  throw PluginError(Prefix(path) + how + (other.empty() ? "" : ": " + other));
}

const JobTable& Load(const std::string& path) {
  std::lock_guard lock(LoadMutex());
  auto found = LoadedPlugins().find(path);
  if (found != LoadedPlugins().end()) return *found->second.jobs;
  Inspect(path);
  Loaded loaded;
  loaded.jobs = std::make_unique<JobTable>();
  try {
    RegistrationCapture capture(loaded.jobs.get());
    ::dlerror();
    loaded.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  } catch (const std::exception& e) {
    // Thrown by a static constructor through dlopen: this process may be left unsafe to load
    // more libraries, which is why plugins are probed in a child process first.
    throw PluginError(Prefix(path) + "threw while loading: " + e.what());
  } catch (...) {
    throw PluginError(Prefix(path) + "threw something unknown while loading");
  }
  if (!loaded.handle) {
    const char* error = ::dlerror();
    std::string reason = error ? Demangled(error) : "dlopen failed";
    // dlerror starts with the path; say it once.
    if (reason.rfind(path + ": ", 0) == 0) reason = reason.substr(path.size() + 2);
    throw PluginError(Prefix(path) + "cannot be loaded: " + reason);
  }
  // Kept loaded even if it is refused below: unloading code whose objects may be alive is unsafe.
  Loaded& kept = LoadedPlugins()[path] = std::move(loaded);
  if (kept.jobs->empty()) {
    throw PluginError(Prefix(path) +
                      "registers no job (a plugin needs a MINIMR_REGISTER_JOB line)");
  }
  for (const std::string& name : kept.jobs->Names()) {
    try {
      kept.jobs->Find(name);
    } catch (const std::exception& e) {
      throw PluginError(Prefix(path) + e.what());
    }
  }
  return *kept.jobs;
}

const JobDefinition& ResolveJob(const std::string& name, const std::string& plugin_path) {
  if (plugin_path.empty()) {
    if (const JobDefinition* job = FindJob(name)) return *job;
    std::string known;
    for (const auto& n : RegisteredJobs()) known += (known.empty() ? "" : ", ") + n;
    throw std::runtime_error("there is no job named '" + name + "'" +
                             DidYouMean(name, RegisteredJobs()) + " (built-in jobs: " + known +
                             "; a job of your own is named with plugin:)");
  }
  const JobTable& jobs = Load(plugin_path);
  if (const JobDefinition* job = jobs.Find(name)) return *job;
  std::string known;
  for (const auto& n : jobs.Names()) known += (known.empty() ? "" : ", ") + n;
  throw std::runtime_error(Prefix(plugin_path) + "has no job named '" + name + "'" +
                           DidYouMean(name, jobs.Names()) + " (it registers: " + known + ")");
}

std::string StagePlugin(const std::string& path, const std::string& sha256,
                        const std::string& directory, const std::function<std::string()>& fetch) {
  static std::mutex staging;
  std::lock_guard lock(staging);
  std::string staged = directory + "/" + sha256 + ".so";
  if (::access(staged.c_str(), R_OK) == 0) return staged;
  std::string bytes;
  try {
    PluginFile file = ReadPluginFile(path, size_t(1) << 30);
    if (file.sha256 == sha256) bytes = std::move(file.bytes);
  } catch (const PluginError&) {
    // Not readable here (another machine, another user): the master has a copy.
  }
  if (bytes.empty()) {
    bytes = fetch();
    if (Sha256Hex(bytes) != sha256) {
      throw PluginError(Prefix(path) + "the copy received from the master does not have the "
                        "SHA-256 the job was submitted with");
    }
  }
  ::mkdir(directory.c_str(), 0700);
  WriteFileAtomically(staged, bytes, 0600);
  return staged;
}

}  // namespace minimr::plugin
