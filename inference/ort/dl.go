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

typedef int (*mf_cuda_count_fn)(int*);
typedef int (*mf_cuda_set_fn)(int);
typedef int (*mf_cuda_free_fn)(void*);
typedef const char* (*mf_cuda_err_fn)(int);

// mf_cuda_probe asks the CUDA runtime already loaded into the process (global symbols) for the
// devices it sees, then makes device current and creates its context. It returns 0 on success,
// else the failing step's CUDA error code (-1 when the runtime is not loaded, -2 when device is
// not among count devices) with *step naming the call and *msg the runtime's own words.
static int mf_cuda_probe(int device, int* count, const char** step, const char** msg) {
	mf_cuda_count_fn get_count = (mf_cuda_count_fn)dlsym(RTLD_DEFAULT, "cudaGetDeviceCount");
	mf_cuda_set_fn set_device = (mf_cuda_set_fn)dlsym(RTLD_DEFAULT, "cudaSetDevice");
	mf_cuda_free_fn cuda_free = (mf_cuda_free_fn)dlsym(RTLD_DEFAULT, "cudaFree");
	mf_cuda_err_fn err_string = (mf_cuda_err_fn)dlsym(RTLD_DEFAULT, "cudaGetErrorString");
	if (!get_count || !set_device || !cuda_free || !err_string) {
		*step = "dlsym";
		*msg = "the CUDA runtime is not loaded";
		return -1;
	}
	*count = 0;
	int rc = get_count(count);
	if (rc != 0) {
		*step = "cudaGetDeviceCount";
		*msg = err_string(rc);
		return rc;
	}
	if (device >= *count) {
		*step = "cudaGetDeviceCount";
		*msg = "the device is not among those CUDA sees";
		return -2;
	}
	if ((rc = set_device(device)) != 0) {
		*step = "cudaSetDevice";
		*msg = err_string(rc);
		return rc;
	}
	if ((rc = cuda_free(NULL)) != 0) {
		*step = "cudaFree(NULL), which creates the device's context,";
		*msg = err_string(rc);
		return rc;
	}
	return 0;
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
	"fmt"
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

// probeCUDA checks, through the CUDA runtime that LoadCUDA loaded, that CUDA sees device and can
// make it current and create its context: what the CUDA provider does first when a session is
// made, where ONNX Runtime 1.29 ends the whole process on failure instead of returning an error.
func probeCUDA(device int) error {
	var count C.int
	var step, msg *C.char
	rc := C.mf_cuda_probe(C.int(device), &count, &step, &msg)
	switch {
	case rc == 0:
		return nil
	case rc == -2:
		return fmt.Errorf("CUDA sees %d devices, so there is no CUDA device %d", int(count), device)
	case rc < 0:
		return fmt.Errorf("%s: %s", C.GoString(step), C.GoString(msg))
	}
	return fmt.Errorf("%s returned CUDA error %d (%s) for CUDA device %d", C.GoString(step), int(rc), C.GoString(msg), device)
}
