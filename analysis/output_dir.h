#pragma once
// The output directory of a run (--out DIR), written as one set: the files go into a private
// staging directory next to DIR, and commit() swaps it with DIR in one rename, so that DIR names
// either the previous complete set or the new complete set, never a mix, whatever happens to the
// process (kill -9 included).
//
// Concurrency: DIR itself is flock()ed from open() until the object is destroyed; a second run
// into the same DIR fails at once (UsageError) instead of waiting or mixing its files with ours.
// The staging directory, PARENT/.NAME.marketsim-XXXXXX, is flock()ed too: a run killed with -9
// leaves it unlocked, and the next run into DIR (which holds DIR's lock, so no live run can own
// it) removes it.
//
// Safety: the set replaces DIR as a whole, so open() refuses a DIR that holds anything but the
// set's own files, and no path of this class ever deletes a file it did not write: removing a set
// unlinks the set's names one by one and then rmdir()s, which fails on anything else.
//
// Not thread-safe; the command line serialises every call with its signal handling
// (cli/signals.h), which calls abandon() from its own thread.
#include <sys/stat.h>

#include <string>
#include <vector>

namespace marketsim {

class OutputDirectory {
 public:
  /// How commit() puts the set in place. kExchange: renameat2(RENAME_EXCHANGE), atomic; where the
  /// filesystem does not support it (EINVAL, ENOSYS, EOPNOTSUPP: some network and FUSE file
  /// systems) it falls back to kRenames. kRenames: rename DIR away, rename the set to DIR, remove
  /// the old set; a new or empty DIR is still replaced atomically (rename() onto an empty
  /// directory), but between the two renames of a replacement DIR is absent for a moment (after a
  /// kill there: absent, with both sets in hidden siblings that the next run removes) — never
  /// mixed, and never a partial set. Tests select kRenames to exercise the fallback.
  enum class Swap { kExchange, kRenames };

  /// `names`: the files a set may consist of (output_names(): every registered output); write()
  /// accepts only these, and open() counts them as the set's own in DIR.
  explicit OutputDirectory(std::vector<std::string> names, Swap swap = Swap::kExchange);
  ~OutputDirectory();  // abandon(), then releases the locks
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;

  /// Before the run: creates DIR (and parents) if missing, locks it, refuses foreign entries,
  /// removes stale staging directories of killed runs, and creates the staging directory with a
  /// probe write. Every failure is a UsageError starting "--out DIR: " (one line).
  void open(const std::string& dir);
  /// Writes one file of the set into the staging directory (written and fsync()ed).
  void write(const std::string& name, const std::string& text);
  /// Puts the staged set in place of DIR, removes the previous set and fsync()s the parent.
  void commit();
  /// Removes the staging directory (and DIR, if open() created it and it is still empty) unless
  /// committed. Idempotent; never throws.
  void abandon() noexcept;

  bool committed() const { return state_ == State::kCommitted; }
  /// DIR as given to open().
  const std::string& path() const { return display_; }

 private:
  enum class State { kClosed, kOpen, kCommitted, kAbandoned };

  /// An owned file descriptor (closing it releases its flock).
  class Fd {
   public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    ~Fd();
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
      const int fd = fd_;
      fd_ = -1;
      return fd;
    }

   private:
    int fd_ = -1;
  };

  void lock_dir();
  void check_entries(const std::vector<std::string>& entries) const;
  void remove_stale_staging() const;
  void create_staging();
  std::string swap_into_place(bool dir_was_empty);
  bool is_own(const std::string& entry) const;
  bool remove_set(const std::string& name) const noexcept;
  [[noreturn]] void fail(const std::string& what, int err) const;
  /// fail(what + where, errno): errno of the call that just failed.
  [[noreturn]] void fail_errno(const char* what, const std::string& where = "") const;

  std::vector<std::string> names_;
  Swap swap_;
  State state_ = State::kClosed;
  std::string display_;      // DIR as the user wrote it, for messages
  std::string path_;         // DIR, symbolic link resolved, no trailing slash
  std::string name_;         // last component of path_
  std::string parent_;       // the rest ("." for a bare name)
  std::string staging_;      // staging directory's name in parent_
  bool created_ = false;     // open() created DIR
  struct stat dir_stat_ {};  // the locked DIR
  Fd dir_fd_;                // DIR, flock()ed
  Fd parent_fd_;
  Fd staging_fd_;  // flock()ed
};

/// Adds one file to an existing output directory (a run's set or a sweep's directory) under DIR's
/// lock: written to a temporary file in DIR's parent, fsync()ed, then renamed into DIR, so DIR
/// never holds half a file and later runs into DIR still see only their own names. Throws
/// UsageError "DIR: ..." when DIR is missing, locked by a run, or not writable.
void add_output_file(const std::string& dir, const std::string& name, const std::string& text);

}  // namespace marketsim
