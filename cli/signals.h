#pragma once
// SIGINT and SIGTERM during `marketsim run`: the run's temporaries are removed, one line goes to
// standard error, and the process exits 130 (SIGINT) or 143 (SIGTERM), as a shell reports a
// process killed by that signal.
//
// A signal handler could do almost none of that (no locks, no allocation, no filesystem walk), and
// oneTBB's workers may be anywhere. So the signals are blocked instead, in the thread that
// constructs the guard before it starts any other thread (every thread inherits the mask), and a
// dedicated thread takes them with sigwaitinfo(): it is ordinary code that may lock, allocate and
// remove files. What it must not do is race the main thread over the same files; critical() is
// that mutual exclusion: while the main thread writes or commits the output set, a signal waits,
// and once the signal thread has the lock it keeps it until _exit().
//
// A signal the process was started ignoring (SIG_IGN, as a script's background job has SIGINT)
// is left alone. In a process that already has threads (the tests call marketsim_main in-process)
// a signal may reach one of those instead; the `marketsim` binary has none before the guard.
#include <signal.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace marketsim {

class InterruptGuard {
 public:
  /// Blocks SIGINT and SIGTERM in the calling thread and starts the thread that waits for them.
  /// `cleanup` removes what the run has started and returns how the line printed on a signal
  /// ends, e.g. "no output written to out" ("" for nothing). It runs once, under the lock of
  /// critical(): on a signal, or else when the guard ends (normally or by an exception).
  explicit InterruptGuard(std::function<std::string()> cleanup);
  /// Runs the cleanup, stops the thread and restores the signal mask.
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  /// Runs `f` with signals held off: one that arrives meanwhile is handled when `f` returns.
  template <class F>
  decltype(auto) critical(F&& f) {
    std::lock_guard lock(mutex_);
    return std::forward<F>(f)();
  }

 private:
  void wait_for_signals();
  /// Runs the cleanup once (with the lock held) and returns its result.
  const std::string& run_cleanup() noexcept;

  std::function<std::string()> cleanup_;
  std::optional<std::string> cleaned_;  // the cleanup's result, once it ran
  std::mutex mutex_;
  sigset_t signals_{};   // SIGINT and SIGTERM, unless ignored when the guard began
  int wake_signal_ = 0;  // one of them; 0: neither, and no thread
  sigset_t previous_mask_{};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace marketsim
