package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Faults on a file system need root: as root, permission bits do not
// stop writes (chmod 0500 changes nothing), so a read-only directory is a
// read-only bind mount over it, and a full disk is a small tmpfs. Both
// work as root in this sandbox and in CI (which runs as root on the same
// kind of machine); where mount(2) is not permitted the test skips,
// except under CI=true, where it fails.

// mountTmpfs mounts a tmpfs of size bytes on a new directory and returns
// it; it is unmounted when the test ends.
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		skipOrFail(t, "mount -t tmpfs is not permitted here (it needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// readOnly makes dir read-only by bind-mounting it over itself read-only,
// and returns a function that makes it writable again (also called when
// the test ends).
func readOnly(t *testing.T, dir string) (undo func()) {
	t.Helper()
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		skipOrFail(t, "mount --bind is not permitted here (it needs root): %v", err)
	}
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		skipOrFail(t, "mount -o remount,ro,bind is not permitted here: %v", err)
	}
	done := false
	undo = func() {
		if !done {
			done = true
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("umount %s: %v", dir, err)
			}
		}
	}
	t.Cleanup(undo)
	return undo
}

// fillDisk writes a file into dir (on a tmpfs) until fewer than room
// bytes are free, and returns its path: removing it frees the space.
func fillDisk(t *testing.T, dir string, room int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for left := free - room; left > 0; left -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), left)]); err != nil {
			break // full already
		}
	}
	return path
}

// freeBytes returns the bytes free on dir's file system.
func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}
