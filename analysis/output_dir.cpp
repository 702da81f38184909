#include "analysis/output_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>  // renameat2 (glibc >= 2.28, _GNU_SOURCE, which g++ defines)
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "sim/error.h"

namespace marketsim {
namespace {

namespace fs = std::filesystem;

// A finishing run swaps DIR between our open() and our flock(); each retry sees the new DIR, so a
// few attempts suffice unless something swaps DIR in a loop.
constexpr int kLockAttempts = 5;
// Written and removed in the staging directory by open(): an unwritable location fails before
// the run, not after it.
constexpr const char* kProbe = ".marketsim-probe";

std::string error_text(int err) {
  return std::generic_category().message(err);
}

bool same_inode(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/// The names in the directory open at `fd` (without . and ..), read through a duplicate so that
/// `fd` stays usable; false with errno set on failure.
bool list_dir(int fd, std::vector<std::string>& names) {
  names.clear();
  const int dup_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return false;
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(dup_fd);
    errno = err;
    return false;
  }
  ::rewinddir(d);  // the duplicate shares its offset with `fd`, which an earlier listing moved
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  const int err = errno;
  ::closedir(d);
  errno = err;
  return err == 0;
}

/// Whether the directory open at `fd` is the root of a mount, which rename() cannot move.
bool is_mount_root(int fd, const struct stat& dir, const struct stat& parent) {
  struct statx stx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
      (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0) {
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  }
  return dir.st_dev != parent.st_dev;  // kernels before 5.8: another device at least
}

int open_dir_at(int parent_fd, const std::string& name) {
  return ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

OutputDirectory::Fd& OutputDirectory::Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

OutputDirectory::Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

OutputDirectory::OutputDirectory(std::vector<std::string> names, Swap swap)
    : names_(std::move(names)), swap_(swap) {}

OutputDirectory::~OutputDirectory() {
  abandon();
}

void OutputDirectory::fail(const std::string& what, int err) const {
  throw UsageError("--out " + display_ + ": " + what +
                   (err != 0 ? " (" + error_text(err) + ")" : ""));
}

void OutputDirectory::fail_errno(const char* what, const std::string& where) const {
  const int err = errno;  // first: building the message allocates
  fail(what + where, err);
}

bool OutputDirectory::is_own(const std::string& entry) const {
  for (const std::string& n : names_) {
    // ".NAME.tmp": what versions before the set-wise writer left behind after a failure.
    if (entry == n || entry == "." + n + ".tmp") return true;
  }
  return entry == kProbe;
}

void OutputDirectory::open(const std::string& dir) {
  if (state_ != State::kClosed) throw Error("OutputDirectory::open: already opened");
  display_ = dir;
  path_ = dir;
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
  // The set replaces the directory a link points to, not the link (which the swap would replace
  // by a directory).
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const fs::path target = fs::canonical(path_, ec);
    if (ec) fail("cannot resolve the symbolic link", ec.value());
    path_ = target.string();
  }
  const fs::path p(path_);
  name_ = p.filename().string();
  parent_ = p.has_parent_path() ? p.parent_path().string() : ".";
  if (name_.empty() || name_ == "." || name_ == "..") {
    fail("the set replaces the directory as a whole, so name it by its own name (not . .. /)", 0);
  }
  try {
    lock_dir();
    parent_fd_ = Fd(::open(parent_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd_) fail_errno("cannot open the parent directory ", parent_);
    struct stat parent {};
    if (::fstat(parent_fd_.get(), &parent) != 0) {
      fail_errno("cannot read the parent directory ", parent_);
    }
    // The swap renames DIR: the root of a mount (a container's volume) cannot be renamed, and in
    // a sticky directory (/tmp) only the owner of DIR or of the directory may rename DIR. Either
    // would fail only after the run.
    if (is_mount_root(dir_fd_.get(), dir_stat_, parent)) {
      fail("is a mount point, which cannot be replaced; give a directory inside it", 0);
    }
    if ((parent.st_mode & S_ISVTX) != 0 && ::geteuid() != 0 && dir_stat_.st_uid != ::geteuid() &&
        parent.st_uid != ::geteuid()) {
      fail("belongs to another user in the sticky directory " + parent_ + "; cannot rename it", 0);
    }
    std::vector<std::string> entries;
    if (!list_dir(dir_fd_.get(), entries)) fail_errno("cannot read the directory");
    check_entries(entries);
    // The previous set is removed after the swap: that needs write access to DIR.
    if (!entries.empty() && ::faccessat(AT_FDCWD, path_.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
      fail_errno("cannot replace the files in the directory");
    }
    remove_stale_staging();
    create_staging();
    state_ = State::kOpen;
  } catch (...) {
    state_ = State::kOpen;
    abandon();
    throw;
  }
}

void OutputDirectory::lock_dir() {
  for (int attempt = 1;; ++attempt) {
    struct stat before {};
    const bool existed = ::stat(path_.c_str(), &before) == 0;
    if (!existed) {
      std::error_code ec;
      fs::create_directories(path_, ec);
      if (ec) fail("cannot create the directory", ec.value());
    }
    Fd fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
      // ENOENT: removed since (an abandoned run removes the DIR it created); try again.
      const int err = errno;
      if (err == ENOENT && attempt < kLockAttempts) continue;
      if (err == ENOTDIR) fail("not a directory", 0);
      fail("cannot open the directory", err);
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) fail("another marketsim run is writing to this directory", 0);
      fail("cannot lock the directory", err);
    }
    // The lock is on an inode; DIR must still name it. It does not when a finishing run swapped
    // its set into DIR between our open() and flock() (we then hold the old set, which that run
    // removes): look again.
    struct stat held {};
    struct stat named {};
    if (::fstat(fd.get(), &held) != 0) fail_errno("cannot read the directory");
    if (::stat(path_.c_str(), &named) == 0 && same_inode(held, named)) {
      dir_fd_ = std::move(fd);
      dir_stat_ = held;
      // Only once locked: a DIR that another run created and locked first is not ours to remove.
      created_ = !existed;
      return;
    }
    if (attempt == kLockAttempts) {
      fail("the directory keeps being replaced while marketsim locks it", 0);
    }
  }
}

void OutputDirectory::check_entries(const std::vector<std::string>& entries) const {
  for (const std::string& e : entries) {
    struct stat st {};
    const bool file =
        ::fstatat(dir_fd_.get(), e.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    if (!file || !is_own(e)) {
      fail("holds \"" + e +
               "\", which is not a marketsim output file; the output set replaces the "
               "directory as a whole, so give a new or empty directory",
           0);
    }
  }
}

void OutputDirectory::remove_stale_staging() const {
  // We hold DIR's lock and every live run holds it while its staging directory exists, so an
  // unlocked staging directory is a killed run's. A locked one (only conceivable if something
  // replaced DIR by hand) is left alone.
  const std::string prefix = "." + name_ + ".marketsim-";
  // PREFIX + mkdtemp's 6 characters (+ "-old": the fallback swap's previous set); not the
  // staging directory of a DIR whose name merely starts like ours ("out.marketsim-x").
  const auto staging_name = [&](const std::string& s) {
    if (!s.starts_with(prefix)) return false;
    const std::string rest = s.substr(prefix.size());
    return (rest.size() == 6 || (rest.size() == 10 && rest.ends_with("-old"))) &&
           std::all_of(rest.begin(), rest.begin() + 6,
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
  };
  std::vector<std::string> siblings;
  if (!list_dir(parent_fd_.get(), siblings)) return;
  for (const std::string& s : siblings) {
    if (!staging_name(s)) continue;
    const Fd fd(open_dir_at(parent_fd_.get(), s));
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) remove_set(s);
  }
}

void OutputDirectory::create_staging() {
  // In DIR's parent, hence on DIR's filesystem: the swap is a rename.
  std::string templ = (fs::path(parent_) / ("." + name_ + ".marketsim-XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    fail_errno("cannot create a staging directory in ", parent_);
  }
  staging_ = fs::path(templ).filename().string();
  staging_fd_ = Fd(open_dir_at(parent_fd_.get(), staging_));
  if (!staging_fd_ || ::flock(staging_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    fail_errno("cannot lock the staging directory in ", parent_);
  }
  // mkdtemp() makes it 0700; the set keeps DIR's permissions.
  if (::fchmod(staging_fd_.get(), dir_stat_.st_mode & 07777) != 0) {
    fail_errno("cannot set the permissions of the staging directory in ", parent_);
  }
  const Fd probe(
      ::openat(staging_fd_.get(), kProbe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!probe || !write_all(probe.get(), "x") || ::unlinkat(staging_fd_.get(), kProbe, 0) != 0) {
    fail_errno("cannot write in ", parent_);
  }
}

void OutputDirectory::write(const std::string& name, const std::string& text) {
  if (state_ != State::kOpen) throw Error("OutputDirectory::write: not open");
  if (std::find(names_.begin(), names_.end(), name) == names_.end()) {
    throw Error("OutputDirectory::write: \"" + name + "\" is not a file of the output set");
  }
  const auto error = [&] {
    const int err = errno;
    return Error("cannot write " + display_ + "/" + name + ": " + error_text(err));
  };
  Fd fd(::openat(staging_fd_.get(), name.c_str(),
                 O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!fd || !write_all(fd.get(), text) || ::fsync(fd.get()) != 0) throw error();
  // close() reports deferred write errors (NFS, quota).
  if (::close(fd.release()) != 0) throw error();
}

void OutputDirectory::commit() {
  if (state_ != State::kOpen) throw Error("OutputDirectory::commit: not open");
  // Anything put into DIR during the run would go with the previous set: refuse instead.
  std::vector<std::string> entries;
  if (!list_dir(dir_fd_.get(), entries)) fail_errno("cannot read the directory");
  check_entries(entries);
  // The swap acts on the name: if DIR was moved away and replaced during the run, the set would
  // replace a directory we have not checked.
  struct stat named {};
  if (::stat(path_.c_str(), &named) != 0 || !same_inode(named, dir_stat_)) {
    fail("the directory was moved or replaced during the run; nothing written", 0);
  }
  if (::fsync(staging_fd_.get()) != 0) {
    const int err = errno;
    throw Error("cannot write " + display_ + ": " + error_text(err));
  }
  const std::string previous = swap_into_place(entries.empty());
  state_ = State::kCommitted;
  // The previous set (or DIR as it was, if it was empty) now sits at `previous`, hidden; if
  // removing it fails, the next run into DIR removes it.
  if (!previous.empty()) remove_set(previous);
  ::fsync(parent_fd_.get());
}

std::string OutputDirectory::swap_into_place(bool dir_was_empty) {
  const int pfd = parent_fd_.get();
  const auto rename_error = [&](int err) {
    return Error("cannot move the output set into place at " + display_ + ": " + error_text(err));
  };
  if (swap_ == Swap::kExchange) {
    if (::renameat2(pfd, staging_.c_str(), pfd, name_.c_str(), RENAME_EXCHANGE) == 0) {
      return staging_;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) throw rename_error(errno);
  }
  // No RENAME_EXCHANGE here. rename() onto an empty directory replaces it atomically.
  if (dir_was_empty) {
    if (::renameat(pfd, staging_.c_str(), pfd, name_.c_str()) != 0) throw rename_error(errno);
    return "";
  }
  // A previous set: move it to a hidden name the next run sweeps, then the new set into place.
  const std::string old = staging_ + "-old";
  if (::renameat(pfd, name_.c_str(), pfd, old.c_str()) != 0) throw rename_error(errno);
  if (::renameat(pfd, staging_.c_str(), pfd, name_.c_str()) != 0) {
    const int err = errno;
    ::renameat(pfd, old.c_str(), pfd, name_.c_str());  // the previous set back, if we can
    throw rename_error(err);
  }
  return old;
}

bool OutputDirectory::remove_set(const std::string& name) const noexcept {
  // One name of the set at a time, then rmdir(), which fails if anything else is in there: a
  // file a user put into DIR is never deleted.
  const Fd fd(open_dir_at(parent_fd_.get(), name));
  if (!fd) return false;
  for (const std::string& n : names_) {
    ::unlinkat(fd.get(), n.c_str(), 0);
    ::unlinkat(fd.get(), ("." + n + ".tmp").c_str(), 0);
  }
  ::unlinkat(fd.get(), kProbe, 0);
  return ::unlinkat(parent_fd_.get(), name.c_str(), AT_REMOVEDIR) == 0;
}

void OutputDirectory::abandon() noexcept {
  if (state_ != State::kOpen) return;
  state_ = State::kAbandoned;
  if (parent_fd_ && !staging_.empty()) remove_set(staging_);
  // A DIR that open() created is removed again if still empty (rmdir), as if never run.
  if (created_) ::rmdir(path_.c_str());
}

void add_output_file(const std::string& dir, const std::string& name, const std::string& text) {
  const auto fail = [&](const std::string& what, int err) {
    throw UsageError(dir + ": " + what + (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  };
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail("cannot open the directory", errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } dir_closer{dfd};
  if (::flock(dfd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) fail("another marketsim run is writing to this directory", 0);
    fail("cannot lock the directory", errno);
  }
  const fs::path target = fs::path(dir) / name;
  fs::path parent = fs::absolute(fs::path(dir)).lexically_normal();
  if (parent.filename().empty()) parent = parent.parent_path();
  std::string tmp_name = ".";
  tmp_name += parent.filename().string();
  tmp_name += ".";
  tmp_name += name;
  tmp_name += ".tmp-";
  tmp_name += std::to_string(::getpid());
  const fs::path tmp = parent.parent_path() / tmp_name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot write " + tmp.string(), errno);
  std::size_t done = 0;
  int err = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail("cannot write " + name, err);
  }
  ::fsync(dfd);
}

}  // namespace marketsim
