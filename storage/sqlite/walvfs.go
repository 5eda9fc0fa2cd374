package sqlite

// This file registers "tandem-wal", SQLite's own "unix" VFS with one change:
// writes to a WAL file are gathered in memory and reach the file as one
// pwrite per commit, instead of two per frame.
//
// Why by hand: SQLite writes each WAL frame with two system calls (its 24-byte
// header, then the page), so a commit of 24 pages makes 48 of them. On this
// project's 2-core VMs they cost the committer, which every durable command
// waits behind, about 90 µs per commit; one pwrite of the same bytes costs
// 8 µs. SQLite has no setting for it, and modernc.org/sqlite offers no Go API
// for a writable VFS; its own read-only one (modernc.org/sqlite/vfs) puts Go
// functions into SQLite's method tables the same way this file does.
//
// What is gathered is only ever what SQLite has not yet synced or published:
// the buffer is written out
//   - right after the page of a commit frame (the frame header says so), so a
//     commit's frames are in the file before SQLite updates the WAL index
//     that tells readers about them, with or without an fsync after it;
//   - before any sync, read, truncate, size query, file control or close of
//     that file;
//   - before a write that does not follow on from the buffer, and when it is
//     full.
// A failed write is reported by the call that wrote the buffer out, which
// SQLite treats as the failure of the transaction it belongs to.

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	walVFSName = "tandem-wal"
	// walBufferSize bounds the memory gathered per WAL file. A batch of
	// commands commits about 100 KiB; bigger transactions go out in pieces.
	walBufferSize = 1 << 20
	// walFrameHeaderSize is the size of a WAL frame header. Its bytes 4–7
	// hold, for the last frame of a commit, the database size in pages, and
	// zero for every other frame (https://sqlite.org/fileformat.html#walformat).
	walFrameHeaderSize = 24
	// walMaxWrite is the most handed to the unix VFS's xWrite at once. It
	// passes at most 0x1ffff bytes to one pwrite (nBuf &= 0x1ffff in
	// seekAndWriteFd) and takes a write of exactly 128 KiB, which that mask
	// turns into 0 bytes, for a full disk.
	walMaxWrite = 124 << 10
)

var (
	walVFSOnce sync.Once
	walVFSErr  error
	// unixVFS is SQLite's default VFS, which does the real work.
	unixVFS uintptr
	// walMethods maps the method table the unix VFS gave a WAL file to the
	// copy of it that routes through walFile (C memory, never freed: SQLite
	// keeps pointers to it in open files).
	walMethodsMu sync.Mutex
	walMethods   = map[uintptr]uintptr{}
	// walFiles maps an open WAL file (the sqlite3_file SQLite allocated) to
	// its buffer. SQLite calls one file's methods from one connection at a
	// time, so a walFile needs no lock of its own.
	walFiles sync.Map
	// walWritesAsked counts SQLite's writes to WAL files, walWritesMade the
	// writes this VFS passed on; tests compare the two.
	walWritesAsked, walWritesMade atomic.Int64
)

type walFile struct {
	methods uintptr // the unix VFS's method table for this file
	buf     uintptr // C memory of walBufferSize bytes, allocated on the first write
	off     int64   // the file offset of buf's first byte
	n       int     // bytes gathered
	// commitNext is set when the frame header just gathered was a commit
	// frame's: the buffer goes out with the page that follows it.
	commitNext bool
}

// registerWALVFS registers the VFS once per process.
func registerWALVFS() error {
	walVFSOnce.Do(func() {
		// The TLS lives as long as the process, as the registration does.
		tls := libc.NewTLS()
		unixVFS = sqlite3.Xsqlite3_vfs_find(tls, 0)
		if unixVFS == 0 {
			walVFSErr = fmt.Errorf("sqlite has no default VFS")
			return
		}
		vfs := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
		name, err := libc.CString(walVFSName)
		if vfs == 0 || err != nil {
			walVFSErr = fmt.Errorf("allocate the %s VFS", walVFSName)
			return
		}
		v := (*sqlite3.Tsqlite3_vfs)(cptr(vfs))
		*v = *(*sqlite3.Tsqlite3_vfs)(cptr(unixVFS))
		v.FpNext = 0
		v.FzName = name
		*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&v.FxOpen)) = walVFSOpen
		if rc := sqlite3.Xsqlite3_vfs_register(tls, vfs, 0); rc != sqlite3.SQLITE_OK {
			walVFSErr = fmt.Errorf("register the %s VFS: sqlite error %d", walVFSName, rc)
		}
	})
	return walVFSErr
}

// walVFSOpen opens every file with the unix VFS, then routes a WAL file's
// methods through walFile.
func walVFSOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	open := *(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{(*sqlite3.Tsqlite3_vfs)(cptr(unixVFS)).FxOpen}))
	rc := open(tls, unixVFS, zName, pFile, flags, pOutFlags)
	file := (*sqlite3.Tsqlite3_file)(cptr(pFile))
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 || file.FpMethods == 0 {
		return rc
	}
	methods := walMethodsFor(tls, file.FpMethods)
	if methods == file.FpMethods {
		return rc // out of memory for the table: the file works as it would without this VFS
	}
	walFiles.Store(pFile, &walFile{methods: file.FpMethods})
	file.FpMethods = methods
	return rc
}

// walMethodsFor returns the copy of the unix method table orig whose
// data-touching methods go through walFile first.
func walMethodsFor(tls *libc.TLS, orig uintptr) uintptr {
	walMethodsMu.Lock()
	defer walMethodsMu.Unlock()
	if m, ok := walMethods[orig]; ok {
		return m
	}
	m := libc.Xmalloc(tls, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))
	if m == 0 {
		return orig
	}
	t := (*sqlite3.Tsqlite3_io_methods)(cptr(m))
	*t = *(*sqlite3.Tsqlite3_io_methods)(cptr(orig))
	*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&t.FxClose)) = walClose
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&t.FxRead)) = walRead
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&t.FxWrite)) = walWrite
	*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&t.FxTruncate)) = walTruncate
	*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&t.FxSync)) = walSync
	*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&t.FxFileSize)) = walFileSize
	*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&t.FxFileControl)) = walFileControl
	walMethods[orig] = m
	return m
}

// cptr turns an address in C memory (modernc's heap, or SQLite's), which Go's
// collector neither moves nor frees, into a pointer. The plain conversion
// unsafe.Pointer(p) would do the same; go vet cannot tell it from a Go
// pointer kept in a uintptr, which would be a bug.
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

func walFileOf(pFile uintptr) *walFile {
	f, _ := walFiles.Load(pFile)
	return f.(*walFile)
}

func (f *walFile) io() *sqlite3.Tsqlite3_io_methods {
	return (*sqlite3.Tsqlite3_io_methods)(cptr(f.methods))
}

func (f *walFile) write(tls *libc.TLS, pFile, buf uintptr, n int32, off int64) int32 {
	walWritesMade.Add(1)
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxWrite})))(tls, pFile, buf, n, off)
}

// flush writes out what is gathered. The buffer is empty afterwards even if
// the write failed: SQLite abandons the transaction those bytes belong to.
func (f *walFile) flush(tls *libc.TLS, pFile uintptr) int32 {
	f.commitNext = false
	if f.n == 0 {
		return sqlite3.SQLITE_OK
	}
	n := f.n
	f.n = 0
	for done := 0; done < n; done += walMaxWrite {
		rc := f.write(tls, pFile, f.buf+uintptr(done), int32(min(walMaxWrite, n-done)), f.off+int64(done))
		if rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	return sqlite3.SQLITE_OK
}

func walWrite(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	walWritesAsked.Add(1)
	f := walFileOf(pFile)
	if f.n > 0 && (iOfst != f.off+int64(f.n) || f.n+int(iAmt) > walBufferSize) {
		if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if int(iAmt) > walBufferSize {
		return f.write(tls, pFile, zBuf, iAmt, iOfst)
	}
	if f.buf == 0 {
		if f.buf = libc.Xmalloc(tls, walBufferSize); f.buf == 0 {
			return f.write(tls, pFile, zBuf, iAmt, iOfst)
		}
	}
	if f.n == 0 {
		f.off = iOfst
	}
	src := unsafe.Slice((*byte)(cptr(zBuf)), iAmt)
	copy(unsafe.Slice((*byte)(cptr(f.buf+uintptr(f.n))), iAmt), src)
	f.n += int(iAmt)
	if f.commitNext {
		return f.flush(tls, pFile)
	}
	if iAmt == walFrameHeaderSize && binary.BigEndian.Uint32(src[4:8]) != 0 {
		f.commitNext = true
	}
	return sqlite3.SQLITE_OK
}

func walRead(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	f := walFileOf(pFile)
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxRead})))(tls, pFile, zBuf, iAmt, iOfst)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	f := walFileOf(pFile)
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxTruncate})))(tls, pFile, size)
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	f := walFileOf(pFile)
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxSync})))(tls, pFile, flags)
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	f := walFileOf(pFile)
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxFileSize})))(tls, pFile, pSize)
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	f := walFileOf(pFile)
	if rc := f.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxFileControl})))(tls, pFile, op, pArg)
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	f := walFileOf(pFile)
	rc := f.flush(tls, pFile)
	if f.buf != 0 {
		libc.Xfree(tls, f.buf)
	}
	walFiles.Delete(pFile)
	// SQLite frees pFile after xClose, and a new file may get its address.
	close := *(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{f.io().FxClose}))
	if crc := close(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = crc
	}
	return rc
}
