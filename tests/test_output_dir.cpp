// The output set (--out DIR): written as one set, replacing the previous one whole; a second run
// into the same DIR fails at once; foreign files are never touched; kills leave the previous or
// the new complete set; SIGINT and SIGTERM remove the temporaries and exit 130 / 143 with one
// line. The process tests run the marketsim binary (fork/exec) with fixed seeds.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cli_harness.h"
#include "analysis/output_dir.h"
#include "analysis/output_registry.h"
#include "analysis/report.h"
#include "sim/error.h"
#include "sim/params.h"

using namespace marketsim;
using namespace marketsim::testing;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using FileSet = std::map<std::string, std::string>;

/// A fresh, empty parent directory for one test: DIR is `parent / "out"`.
fs::path fresh_parent(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("marketsim-test-outset-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

/// Every file of `dir` by name; summary.json without its "performance" object, which is this
/// machine's timings and memory.
FileSet read_dir(const fs::path& dir) {
  FileSet files;
  for (const auto& name : entries(dir)) {
    std::string text = slurp(dir / name);
    if (name == "summary.json") {
      Json doc = Json::parse(text);
      doc.erase("performance");
      text = doc.dump();
    }
    files[name] = text;
  }
  return files;
}

std::set<std::string> set_names() {
  const std::vector<std::string> names = output_names();
  return {names.begin(), names.end()};
}

/// The files a run writes without --outputs or --report.
std::set<std::string> default_names() {
  const std::vector<std::string> names = default_outputs();
  return {names.begin(), names.end()};
}

/// Staging directories (".out.marketsim-*") left in `parent`.
std::size_t staging_dirs(const fs::path& parent) {
  std::size_t n = 0;
  for (const auto& name : entries(parent)) n += name.starts_with(".out.marketsim-") ? 1 : 0;
  return n;
}

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// --- Helpers for runs of the binary ---

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/summer-sale.json";

/// `marketsim run` on summer-sale with `consumers` in each segment, one replication, one thread.
std::vector<std::string> run_args(long consumers, int seed, const std::string& out) {
  const std::string n = std::to_string(consumers);
  std::vector<std::string> args = {"run", kScenario, "--quiet", "--threads", "1"};
  args.insert(args.end(), {"--replications", "1", "--seed", std::to_string(seed)});
  args.insert(args.end(), {"--set", "/market/segments/0/consumers=" + n});
  args.insert(args.end(), {"--set", "/market/segments/1/consumers=" + n});
  if (!out.empty()) args.insert(args.end(), {"--out", out});
  return args;
}

constexpr long kTiny = 1000;    // ~0.1 s
constexpr long kSmall = 3000;   // ~0.2 s: the kill test
constexpr long kLarge = 50000;  // seconds: a run that must never start, or that a signal stops

/// Starts the binary with standard error to `err_file` and standard output to /dev/null.
pid_t spawn(const std::vector<std::string>& args, const fs::path& err_file) {
  std::vector<std::string> strings = {MARKETSIM_BINARY};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string err_path = err_file.string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // only async-signal-safe calls until execv
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(err, STDERR_FILENO);
    ::dup2(null, STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

/// The exit code, or -N if signal N ended the process; fails (and kills it) after `timeout`.
int wait_exit(pid_t pid, double timeout_seconds = 60.0) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("marketsim did not finish within " << timeout_seconds << " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

struct Outcome {
  int code;
  std::string err;
};

Outcome run_binary(const std::vector<std::string>& args, const fs::path& scratch,
                   double timeout = 60.0) {
  const fs::path err = scratch / "stderr.txt";
  const int code = wait_exit(spawn(args, err), timeout);
  Outcome o{code, slurp(err)};
  fs::remove(err);
  return o;
}

/// The set a run with `seed` writes (run once into a directory of its own).
FileSet reference_set(long consumers, int seed, const fs::path& scratch) {
  const fs::path dir =
      scratch / ("reference-" + std::to_string(consumers) + "-" + std::to_string(seed));
  const Outcome o = run_binary(run_args(consumers, seed, dir.string()), scratch);
  REQUIRE(o.code == 0);
  FileSet set = read_dir(dir);
  fs::remove_all(dir);
  return set;
}

/// Whether SIGINT and SIGTERM are blocked in process `pid`'s main thread (its guard is up).
bool signals_blocked(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigBlk:", 0) == 0) {
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      const unsigned long long both = (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1));
      return (mask & both) == both;
    }
  }
  return false;
}

template <class Pred>
void wait_until(Pred pred, const char* what, double timeout_seconds = 30.0) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (!pred()) {
    if (Clock::now() > deadline) FAIL("timed out waiting until " << what);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

/// Holds an exclusive flock on a directory, as a run does.
struct HeldLock {
  int fd;
  explicit HeldLock(const fs::path& dir)
      : fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  }
  ~HeldLock() { ::close(fd); }
};

/// Writes a set whose every file holds `tag` through OutputDirectory.
void write_set(OutputDirectory& out, const std::string& tag) {
  for (const auto& name : output_names()) out.write(name, tag + " " + name + "\n");
}

}  // namespace

// --- OutputDirectory in-process ---

TEST_CASE("OutputDirectory replaces the previous set whole and leaves nothing else", "[output]") {
  for (const auto swap : {OutputDirectory::Swap::kExchange, OutputDirectory::Swap::kRenames}) {
    const bool exchange = swap == OutputDirectory::Swap::kExchange;
    INFO((exchange ? "RENAME_EXCHANGE" : "fallback: two renames"));
    const fs::path parent = fresh_parent(exchange ? "unit-exchange" : "unit-renames");
    const fs::path dir = parent / "nested" / "out";
    for (const std::string tag : {"first", "second", "third"}) {
      OutputDirectory out(output_names(), swap);
      out.open(dir.string() + "/");  // a trailing slash names the same directory
      CHECK(staging_dirs(dir.parent_path()) == 1);
      write_set(out, tag);
      out.commit();
      CHECK(out.committed());
      // The old set and the staging directory are gone.
      CHECK(entries(dir.parent_path()) == std::set<std::string>{"out"});
      CHECK(entries(dir) == set_names());
      for (const auto& name : output_names()) {
        CHECK(slurp(dir / name) == tag + " " + name + "\n");
      }
    }
    // The set keeps DIR's permissions (mkdtemp makes 0700).
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    OutputDirectory out(output_names(), swap);
    out.open(dir.string());
    write_set(out, "fourth");
    out.commit();
    CHECK(fs::status(dir).permissions() ==
          (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
    fs::remove_all(parent);
  }
}

TEST_CASE("OutputDirectory leaves nothing behind when abandoned", "[output]") {
  const fs::path parent = fresh_parent("unit-abandon");
  const fs::path dir = parent / "out";
  {
    OutputDirectory out(output_names());
    out.open(dir.string());
    out.write("runs.csv", "partial\n");
    CHECK(staging_dirs(parent) == 1);
  }                                // destroyed without commit
  CHECK(entries(parent).empty());  // the DIR it created is gone too
  {
    OutputDirectory out(output_names());
    out.open(dir.string());
    write_set(out, "kept");
    out.commit();
  }
  {
    OutputDirectory out(output_names());
    out.open(dir.string());
    out.write("summary.json", "partial\n");
    CHECK_THROWS_AS(out.write("notes.txt", "x"), Error);  // only the set's names
    out.abandon();
    out.abandon();
  }
  CHECK(entries(parent) == std::set<std::string>{"out"});
  CHECK(slurp(dir / "summary.json") == "kept summary.json\n");
  fs::remove_all(parent);
}

TEST_CASE("OutputDirectory never touches a file it did not write", "[output]") {
  const fs::path parent = fresh_parent("unit-foreign");
  const fs::path dir = parent / "out";
  fs::create_directories(dir / "sub");
  spit(dir / "notes.txt", "mine\n");
  try {
    OutputDirectory out(output_names());
    out.open(dir.string());
    FAIL("open accepted a directory with foreign entries");
  } catch (const UsageError& e) {
    const std::string what = e.what();
    CHECK(what.rfind("--out " + dir.string() + ": holds \"", 0) == 0);
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK(entries(dir) == std::set<std::string>{"notes.txt", "sub"});
  CHECK(entries(parent) == std::set<std::string>{"out"});
  fs::remove(dir / "notes.txt");
  fs::remove(dir / "sub");
  // A directory under a set's name is not the set's either.
  fs::create_directories(dir / "runs.csv");
  CHECK_THROWS_AS(OutputDirectory(output_names()).open(dir.string()), UsageError);
  CHECK(fs::is_directory(dir / "runs.csv"));
  fs::remove(dir / "runs.csv");

  // A file that appears in DIR during the run stops the commit: it would go with the old set.
  {
    OutputDirectory out(output_names());
    out.open(dir.string());
    write_set(out, "old");
    out.commit();
  }
  OutputDirectory out(output_names());
  out.open(dir.string());
  write_set(out, "new");
  spit(dir / "notes.txt", "mine\n");
  CHECK_THROWS_AS(out.commit(), UsageError);
  out.abandon();
  CHECK(slurp(dir / "notes.txt") == "mine\n");
  CHECK(slurp(dir / "runs.csv") == "old runs.csv\n");
  CHECK(staging_dirs(parent) == 0);
  fs::remove_all(parent);
}

TEST_CASE("OutputDirectory allows one writer per directory and removes stale staging directories",
          "[output]") {
  const fs::path parent = fresh_parent("unit-lock");
  const fs::path dir = parent / "out";
  {
    OutputDirectory first(output_names());
    first.open(dir.string());
    // The lock is per open file description: a second writer in the same process is refused too.
    const auto refused = [&] {
      try {
        OutputDirectory(output_names()).open(dir.string());
        return std::string("opened");
      } catch (const UsageError& e) {
        return std::string(e.what());
      }
    };
    const std::string message =
        "--out " + dir.string() + ": another marketsim run is writing to this directory";
    CHECK(refused() == message);
    CHECK(staging_dirs(parent) == 1);  // the refused writer created none
    write_set(first, "first");
    first.commit();
    first.abandon();  // after a commit: nothing to do
    CHECK(entries(dir) == set_names());
    CHECK(refused() == message);  // the lock lasts until the writer is destroyed
  }

  // Left by kill -9: unlocked staging directories (one holding a partial set, one an old set
  // after the swap). A locked one is not stale and stays.
  fs::create_directories(parent / ".out.marketsim-AAAAAA");
  spit(parent / ".out.marketsim-AAAAAA" / "runs.csv", "partial\n");
  fs::create_directories(parent / ".out.marketsim-BBBBBB");
  for (const auto& name : output_names()) {
    spit(parent / ".out.marketsim-BBBBBB" / name, "old\n");
  }
  fs::create_directories(parent / ".out.marketsim-CCCCCC");
  const HeldLock held(parent / ".out.marketsim-CCCCCC");
  // A staging directory a user put a file into keeps that file (and so stays).
  fs::create_directories(parent / ".out.marketsim-DDDDDD");
  spit(parent / ".out.marketsim-DDDDDD" / "notes.txt", "mine\n");
  // Other directories' staging directories are not ours to judge, even where "out" is a prefix.
  fs::create_directories(parent / ".other.marketsim-EEEEEE");
  fs::create_directories(parent / ".out.marketsim-x.marketsim-FFFFFF");
  {
    OutputDirectory out(output_names());
    out.open(dir.string());
    CHECK(!fs::exists(parent / ".out.marketsim-AAAAAA"));
    CHECK(!fs::exists(parent / ".out.marketsim-BBBBBB"));
    CHECK(staging_dirs(parent) == 4);  // C, D, the other DIR's F and its own
    write_set(out, "second");
    out.commit();
  }
  CHECK(entries(parent) == std::set<std::string>{"out", ".out.marketsim-CCCCCC",
                                                 ".out.marketsim-DDDDDD", ".other.marketsim-EEEEEE",
                                                 ".out.marketsim-x.marketsim-FFFFFF"});
  CHECK(slurp(parent / ".out.marketsim-DDDDDD" / "notes.txt") == "mine\n");
  CHECK(slurp(dir / "runs.csv") == "second runs.csv\n");
  fs::remove_all(parent);
}

TEST_CASE("OutputDirectory writes through a symbolic link to the directory", "[output]") {
  const fs::path parent = fresh_parent("unit-link");
  fs::create_directories(parent / "real");
  fs::create_directory_symlink("real", parent / "link");
  OutputDirectory out(output_names());
  out.open((parent / "link").string());
  write_set(out, "linked");
  out.commit();
  CHECK(fs::is_symlink(parent / "link"));
  CHECK(slurp(parent / "real" / "runs.csv") == "linked runs.csv\n");
  CHECK(entries(parent) == std::set<std::string>{"link", "real"});
  fs::remove_all(parent);
}

// --- Runs of the binary ---

TEST_CASE("run --out writes a set and a second run replaces it completely", "[output][cli]") {
  const fs::path parent = fresh_parent("twice");
  const fs::path scratch = fresh_parent("twice-scratch");
  const fs::path dir = parent / "out";
  REQUIRE(run_binary(run_args(kTiny, 1, dir.string()), scratch).code == 0);
  const FileSet first = read_dir(dir);
  CHECK(entries(dir) == default_names());
  REQUIRE(run_binary(run_args(kTiny, 2, dir.string()), scratch).code == 0);
  const FileSet second = read_dir(dir);
  CHECK(entries(dir) == default_names());
  CHECK(entries(parent) == std::set<std::string>{"out"});  // no staging, no old set, no .tmp
  CHECK(Json::parse(slurp(dir / "summary.json"))["seed"] == 2);
  for (const auto& name : default_outputs()) {
    INFO(name);
    const std::string& text = first.at(name);
    if (text.find('\n') + 1 == text.size()) continue;  // a header alone (gauges.csv without modules)
    CHECK(second.at(name) != first.at(name));
  }
  CHECK(second == reference_set(kTiny, 2, scratch));
  fs::remove_all(parent);
  fs::remove_all(scratch);
}

TEST_CASE("run --out refuses a directory with foreign files before the run", "[output][cli]") {
  const fs::path parent = fresh_parent("foreign");
  const fs::path dir = parent / "out";
  fs::create_directories(dir);
  spit(dir / "notes.txt", "my notes\n");
  spit(dir / "runs.csv", "an older run\n");
  // A large run: were the check after it, the time limit would fail the test.
  const fs::path scratch = fresh_parent("foreign-scratch");
  const Outcome o = run_binary(run_args(kLarge, 1, dir.string()), scratch, 10.0);
  CHECK(o.code == 2);
  CHECK(lines(o.err) == 1);
  CHECK(o.err.find("--out " + dir.string() + ": holds \"notes.txt\"") != std::string::npos);
  CHECK(entries(dir) == std::set<std::string>{"notes.txt", "runs.csv"});
  CHECK(slurp(dir / "notes.txt") == "my notes\n");
  CHECK(slurp(dir / "runs.csv") == "an older run\n");
  CHECK(entries(parent) == std::set<std::string>{"out"});
  fs::remove_all(parent);
  fs::remove_all(scratch);
}

TEST_CASE("run --out fails before the run where it cannot write", "[output][cli]") {
  const fs::path parent = fresh_parent("unwritable");
  spit(parent / "file", "x");
  const std::vector<std::string> cases = {
      (parent / "file" / "out").string(),  // under a regular file
      (parent / "file").string(),          // a regular file
      "/proc/marketsim-test-outset/out",   // where even root cannot create
      "/proc",                             // a mount point: rename() cannot replace it
  };
  for (const auto& out : cases) {
    INFO(out);
    const Outcome o = run_binary(run_args(kLarge, 1, out), parent, 10.0);
    CHECK(o.code == 2);
    CHECK(lines(o.err) == 1);
    CHECK(o.err.rfind("error: --out " + out + ": ", 0) == 0);
  }
  if (::geteuid() != 0) {  // root ignores permissions
    const fs::path locked = parent / "read-only";
    fs::create_directories(locked / "out");
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    const Outcome o = run_binary(run_args(kLarge, 1, (locked / "out").string()), parent, 10.0);
    fs::permissions(locked, fs::perms::owner_all);
    CHECK(o.code == 2);
    CHECK(lines(o.err) == 1);
    CHECK(o.err.find("cannot create a staging directory") != std::string::npos);
  }
  for (const auto& name : entries(parent)) CHECK((name == "file" || name == "read-only"));
  fs::remove_all(parent);
}

TEST_CASE("run --out into a directory another run holds exits 2 at once", "[output][cli]") {
  const fs::path parent = fresh_parent("held");
  const fs::path scratch = fresh_parent("held-scratch");
  const fs::path dir = parent / "out";
  fs::create_directories(dir);
  {
    const HeldLock held(dir);
    const Outcome o = run_binary(run_args(kLarge, 1, dir.string()), scratch, 10.0);
    CHECK(o.code == 2);
    CHECK(o.err ==
          "error: --out " + dir.string() +
              ": another marketsim run is writing to this directory (see marketsim --help)\n");
  }
  CHECK(entries(dir).empty());
  CHECK(entries(parent) == std::set<std::string>{"out"});
  fs::remove_all(parent);
  fs::remove_all(scratch);
}

TEST_CASE("concurrent runs into one directory leave one complete set",
          "[output][cli][concurrency]") {
  const fs::path parent = fresh_parent("concurrent");
  const fs::path scratch = fresh_parent("concurrent-scratch");
  const fs::path dir = parent / "out";
  constexpr int kRuns = 4;
  std::map<int, FileSet> reference;
  for (int seed = 1; seed <= kRuns; ++seed) reference[seed] = reference_set(kTiny, seed, scratch);
  for (int round = 0; round < 3; ++round) {
    std::vector<pid_t> pids;
    for (int seed = 1; seed <= kRuns; ++seed) {
      pids.push_back(
          spawn(run_args(kTiny, seed, dir.string()), scratch / ("err" + std::to_string(seed))));
    }
    std::vector<int> succeeded;
    for (int seed = 1; seed <= kRuns; ++seed) {
      const int code = wait_exit(pids[static_cast<std::size_t>(seed - 1)]);
      const std::string err = slurp(scratch / ("err" + std::to_string(seed)));
      INFO("round " << round << ", seed " << seed << ": " << err);
      if (code == 0) {
        succeeded.push_back(seed);
      } else {
        CHECK(code == 2);
        CHECK(err ==
              "error: --out " + dir.string() +
                  ": another marketsim run is writing to this directory (see marketsim --help)\n");
      }
    }
    REQUIRE(!succeeded.empty());
    const FileSet now = read_dir(dir);
    CHECK(entries(dir) == default_names());
    CHECK(std::count_if(succeeded.begin(), succeeded.end(),
                        [&](int seed) { return now == reference[seed]; }) == 1);
    CHECK(entries(parent) == std::set<std::string>{"out"});
  }
  fs::remove_all(parent);
  fs::remove_all(scratch);
}

TEST_CASE("kill -9 at any moment leaves the previous or the new complete set",
          "[output][cli][kill]") {
  const fs::path parent = fresh_parent("kill");
  const fs::path scratch = fresh_parent("kill-scratch");
  const fs::path dir = parent / "out";
  const auto start = Clock::now();
  const std::map<int, FileSet> reference = {{1, reference_set(kSmall, 1, scratch)},
                                            {2, reference_set(kSmall, 2, scratch)}};
  // Kill moments spread over a run's whole length on this machine (sanitizers are slower).
  const double run_seconds = std::chrono::duration<double>(Clock::now() - start).count() / 2.0;
  REQUIRE(run_binary(run_args(kSmall, 1, dir.string()), scratch).code == 0);
  int current = 1;
  std::mt19937 rng(20240917);
  std::uniform_real_distribution<double> moment(0.0, 1.2 * run_seconds);
  int completed = 0, stale = 0;
  for (int k = 0; k < 20; ++k) {
    const int next = 3 - current;
    const pid_t pid = spawn(run_args(kSmall, next, dir.string()), scratch / "err");
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    ::kill(pid, SIGKILL);
    const int code = wait_exit(pid);
    const FileSet now = read_dir(dir);
    INFO("kill " << k << ": exit " << code);
    CHECK((now == reference.at(current) || now == reference.at(next)));
    if (now == reference.at(next)) current = next;
    completed += code == 0 ? 1 : 0;
    stale += staging_dirs(parent) > 0 ? 1 : 0;
  }
  INFO(completed << " runs completed before their kill; " << stale
                 << " kills left a staging directory");
  // The next run removes what killed runs left.
  REQUIRE(run_binary(run_args(kSmall, 3 - current, dir.string()), scratch).code == 0);
  CHECK(read_dir(dir) == reference.at(3 - current));
  CHECK(entries(parent) == std::set<std::string>{"out"});
  fs::remove_all(parent);
  fs::remove_all(scratch);
}

TEST_CASE("SIGINT and SIGTERM remove the temporaries and exit 130 / 143 with one line",
          "[output][cli][signals]") {
  const fs::path parent = fresh_parent("signals");
  const fs::path scratch = fresh_parent("signals-scratch");
  const fs::path dir = parent / "out";
  REQUIRE(run_binary(run_args(kTiny, 1, dir.string()), scratch).code == 0);
  const FileSet before = read_dir(dir);
  for (const int sig : {SIGINT, SIGTERM}) {
    const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    INFO(name);
    const pid_t pid = spawn(run_args(kLarge, 2, dir.string()), scratch / "err");
    // The staging directory exists once the output directory is open, before the run.
    wait_until([&] { return staging_dirs(parent) == 1; }, "the staging directory appears");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(pid, sig);
    CHECK(wait_exit(pid, 30.0) == 128 + sig);
    CHECK(slurp(scratch / "err") ==
          "marketsim: interrupted (" + name + "); no output written to " + dir.string() + "\n");
    CHECK(read_dir(dir) == before);
    CHECK(entries(parent) == std::set<std::string>{"out"});
  }
  // Without --out: the same exit code and one line.
  const pid_t pid = spawn(run_args(kLarge, 2, ""), scratch / "err");
  wait_until([&] { return signals_blocked(pid); }, "the run blocks SIGINT");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGINT);
  CHECK(wait_exit(pid, 30.0) == 130);
  CHECK(slurp(scratch / "err") == "marketsim: interrupted (SIGINT)\n");
  fs::remove_all(parent);
  fs::remove_all(scratch);
}
