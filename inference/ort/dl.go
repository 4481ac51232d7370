package ort

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

// mf_dlopen loads name (a path, or a bare soname for the loader's own search) with its symbols
// global, and returns the handle, or NULL with *err set to dlerror's text.
static void* mf_dlopen(const char* name, char** err) {
	dlerror();
	void* h = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
	if (h == NULL) {
		const char* e = dlerror();
		*err = strdup(e ? e : "unknown dlopen error");
	}
	return h;
}

// mf_dlpath is the file the loader mapped for handle h, or NULL.
static const char* mf_dlpath(void* h) {
	struct link_map* lm = NULL;
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL) {
		return NULL;
	}
	return lm->l_name;
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// loadGlobal loads a shared library for the rest of the process's life, with its symbols
// visible to libraries loaded later: a library that names it (by soname) in its dependencies
// then gets this copy instead of searching for one. name is an absolute path or a bare soname
// (then the dynamic loader searches LD_LIBRARY_PATH, its cache and the system folders). It
// returns the path of the file that was loaded, or the loader's own error text.
func loadGlobal(name string) (string, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var cerr *C.char
	h := C.mf_dlopen(cname, &cerr)
	if h == nil {
		defer C.free(unsafe.Pointer(cerr))
		return "", errors.New(C.GoString(cerr))
	}
	// The handle is kept open on purpose: the library must stay loaded for ONNX Runtime.
	if p := C.mf_dlpath(h); p != nil && C.GoString(p) != "" {
		return C.GoString(p), nil
	}
	return name, nil
}
