#include "cli/signals.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "sim/error.h"

namespace marketsim {
namespace {

/// The whole line in one write(2) on the file descriptor: standard error as the process has it
/// (marketsim_main's `err` stream may be a string in a test or a benchmark).
void print_line(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

InterruptGuard::InterruptGuard(std::function<std::string()> cleanup)
    : cleanup_(std::move(cleanup)) {
  sigemptyset(&signals_);
  for (const int sig : {SIGINT, SIGTERM}) {
    // A signal the process was started ignoring stays ignored (a script's background job ignores
    // SIGINT): blocked, it would be pending and taken by the thread.
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
    sigaddset(&signals_, sig);
    wake_signal_ = sig;
  }
  if (wake_signal_ == 0) return;
  if (const int err = ::pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_); err != 0) {
    throw Error("cannot block SIGINT and SIGTERM: " + std::generic_category().message(err));
  }
  try {
    thread_ = std::thread([this] { wait_for_signals(); });
  } catch (...) {
    ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    throw;
  }
}

InterruptGuard::~InterruptGuard() {
  critical([this] { run_cleanup(); });
  if (wake_signal_ == 0) return;
  // Wake the thread with a signal queued to it alone, carrying `this`: it tells this wake-up from
  // a real signal (kill() sends SI_USER, a terminal SI_KERNEL), which it still handles as one.
  // (Not pthread_kill(): recent kernels report its tgkill() as SI_USER too.)
  stopping_ = true;
  sigval wake{};
  wake.sival_ptr = this;
  ::pthread_sigqueue(thread_.native_handle(), wake_signal_, wake);
  thread_.join();
  // A signal that arrives from here on meets the caller's mask and handlers again: the run is over.
  ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

const std::string& InterruptGuard::run_cleanup() noexcept {
  if (!cleaned_) {
    try {
      cleaned_ = cleanup_ ? cleanup_() : std::string();
    } catch (...) {
      cleaned_ = std::string();  // still exit with the line; the next run removes what is left
    }
  }
  return *cleaned_;
}

void InterruptGuard::wait_for_signals() {
  for (;;) {
    siginfo_t info{};
    const int sig = ::sigwaitinfo(&signals_, &info);
    if (sig < 0) continue;  // EINTR
    if (stopping_ && info.si_code == SI_QUEUE && info.si_pid == ::getpid() &&
        info.si_value.sival_ptr == this) {
      return;
    }
    // Kept until _exit(): the main thread must not write or commit after the cleanup.
    mutex_.lock();
    const std::string& tail = run_cleanup();
    // "\r\033[K" clears a progress bar drawn on the terminal's line.
    print_line(std::string(::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "") +
               "marketsim: interrupted (" + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")" +
               (tail.empty() ? "" : "; " + tail) + "\n");
    ::_exit(128 + sig);
  }
}

}  // namespace marketsim
