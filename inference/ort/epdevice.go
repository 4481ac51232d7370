package ort

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// The OrtApi table of ONNX Runtime's C API is an append-only array of function pointers; these
// are the indexes of the entries used here, as laid out in onnxruntime_c_api.h of API version 24
// (ORT_API_VERSION in onnxruntime_go v1.27.0's copy of the header; abi_test.go checks them).
enum {
	MF_API_VERSION = 24,
	MF_GetErrorMessage = 2,
	MF_CreateEnv = 3,
	MF_ReleaseEnv = 92,
	MF_ReleaseStatus = 93,
	MF_GetKeyValue = 297,
	MF_GetEpDevices = 303,
	MF_SessionOptionsAppendExecutionProvider_V2 = 304,
	MF_EpDevice_EpName = 312,
	MF_EpDevice_EpOptions = 315,
};

typedef void* (*mf_get_api_base_fn)(void);
typedef void** (*mf_get_api_fn)(unsigned int);
typedef const char* (*mf_err_msg_fn)(void*);
typedef void (*mf_release_fn)(void*);
typedef void* (*mf_create_env_fn)(int, const char*, void**);
typedef const char* (*mf_get_kv_fn)(const void*, const char*);
typedef void* (*mf_get_ep_devices_fn)(const void*, const void* const**, size_t*);
typedef void* (*mf_append_v2_fn)(void*, void*, const void* const*, size_t, const char* const*, const char* const*, size_t);
typedef const char* (*mf_ep_name_fn)(const void*);
typedef const void* (*mf_ep_options_fn)(const void*);

// mf_api returns the OrtApi table of the ONNX Runtime library at lib, which must be loaded.
static void** mf_api(const char* lib, char** err) {
	void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
	if (h == NULL) {
		*err = strdup("the ONNX Runtime library is not loaded");
		return NULL;
	}
	mf_get_api_base_fn base_fn = (mf_get_api_base_fn)dlsym(h, "OrtGetApiBase");
	void** api = NULL;
	if (base_fn != NULL) {
		void** base = (void**)base_fn();
		api = ((mf_get_api_fn)base[0])(MF_API_VERSION);
	}
	dlclose(h);
	if (api == NULL) {
		*err = strdup("the ONNX Runtime library does not serve C API version 24");
	}
	return api;
}

// mf_status turns a non-NULL OrtStatus into a malloc'd message and releases it; 0 means success.
static int mf_status(void** api, void* st, char** err) {
	if (st == NULL) {
		return 0;
	}
	*err = strdup(((mf_err_msg_fn)api[MF_GetErrorMessage])(st));
	((mf_release_fn)api[MF_ReleaseStatus])(st);
	return 1;
}

// mf_append_ep adds the execution provider named ep_name to the session options, on its device
// whose "device_id" option is device_id (the first of its devices when none is), passing
// device_id (when not empty) as an option. It returns the number of devices the provider
// offered, or -1 with *err set.
static int mf_append_ep(const char* lib, void* session_options, const char* ep_name, const char* device_id, char** err) {
	void** api = mf_api(lib, err);
	if (api == NULL) {
		return -1;
	}
	void* env = NULL;
	// ONNX Runtime keeps one environment per process: this returns it, with one more reference.
	if (mf_status(api, ((mf_create_env_fn)api[MF_CreateEnv])(2, "mediafleet", &env), err)) {
		return -1;
	}
	const void* const* devs = NULL;
	size_t n = 0;
	int found = -1;
	if (!mf_status(api, ((mf_get_ep_devices_fn)api[MF_GetEpDevices])(env, &devs, &n), err)) {
		int count = 0;
		const void* pick = NULL;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(((mf_ep_name_fn)api[MF_EpDevice_EpName])(devs[i]), ep_name) != 0) {
				continue;
			}
			count++;
			const void* opts = ((mf_ep_options_fn)api[MF_EpDevice_EpOptions])(devs[i]);
			const char* id = opts ? ((mf_get_kv_fn)api[MF_GetKeyValue])(opts, "device_id") : NULL;
			if (pick == NULL || (id != NULL && device_id[0] != 0 && strcmp(id, device_id) == 0)) {
				pick = devs[i];
			}
		}
		if (pick == NULL) {
			found = 0;
		} else {
			const char* keys[] = {"device_id"};
			const char* vals[] = {device_id};
			size_t nopts = device_id[0] != 0 ? 1 : 0;
			void* st = ((mf_append_v2_fn)api[MF_SessionOptionsAppendExecutionProvider_V2])(
				session_options, env, &pick, 1, keys, vals, nopts);
			found = mf_status(api, st, err) ? -1 : count;
		}
	}
	((mf_release_fn)api[MF_ReleaseEnv])(env);
	return found;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	onnx "github.com/yalue/onnxruntime_go"
)

// apiIndexes are the OrtApi entries called here, for abi_test.go to check against the header.
var apiIndexes = map[string]int{
	"GetErrorMessage": C.MF_GetErrorMessage, "CreateEnv": C.MF_CreateEnv, "ReleaseEnv": C.MF_ReleaseEnv,
	"ReleaseStatus": C.MF_ReleaseStatus, "GetKeyValue": C.MF_GetKeyValue, "GetEpDevices": C.MF_GetEpDevices,
	"SessionOptionsAppendExecutionProvider_V2": C.MF_SessionOptionsAppendExecutionProvider_V2,
	"EpDevice_EpName":                          C.MF_EpDevice_EpName, "EpDevice_EpOptions": C.MF_EpDevice_EpOptions,
}

// apiVersion is the C API version asked of the library.
const apiVersion = C.MF_API_VERSION

// Execution provider names as ONNX Runtime reports its devices.
const (
	cudaEP = "CUDAExecutionProvider"
	cpuEP  = "CPUExecutionProvider"
)

// errNoEPDevice means the execution provider offered no device on this machine.
var errNoEPDevice = errors.New("no device")

// appendEPDevice adds the execution provider epName to opts through ONNX Runtime's device API
// (GetEpDevices and SessionOptionsAppendExecutionProvider_V2), which is how a provider
// registered as a library (RegisterExecutionProviderLibrary) is used: the GPU build's core has
// no built-in CUDA entry point. onnxruntime_go v1.27.0 wraps neither call, so they are made
// here on the same library, through its C API table. deviceID, when not empty, picks the
// provider's device with that device_id and is passed as its option.
func appendEPDevice(lib string, opts *onnx.SessionOptions, epName, deviceID string) error {
	so, err := sessionOptionsHandle(opts)
	if err != nil {
		return err
	}
	clib, cname, cid := C.CString(lib), C.CString(epName), C.CString(deviceID)
	defer C.free(unsafe.Pointer(clib))
	defer C.free(unsafe.Pointer(cname))
	defer C.free(unsafe.Pointer(cid))
	var cerr *C.char
	n := C.mf_append_ep(clib, so, cname, cid, &cerr)
	switch {
	case n < 0:
		defer C.free(unsafe.Pointer(cerr))
		return fmt.Errorf("adding %s: %s", epName, C.GoString(cerr))
	case n == 0:
		return fmt.Errorf("%s found %w on this machine (ONNX Runtime looks for GPUs in /sys/class/drm and /sys/bus/pci/devices)", epName, errNoEPDevice)
	}
	return nil
}

// sessionOptionsHandle is the OrtSessionOptions pointer inside opts. onnxruntime_go keeps it in
// the single unexported pointer field of SessionOptions; a version that lays the struct out
// differently is refused here (and fails abi_test.go) instead of being misread.
func sessionOptionsHandle(opts *onnx.SessionOptions) (unsafe.Pointer, error) {
	t := reflect.TypeOf(onnx.SessionOptions{})
	if t.NumField() != 1 || t.Field(0).Type.Kind() != reflect.Pointer || t.Size() != unsafe.Sizeof(uintptr(0)) {
		return nil, errors.New("this onnxruntime_go version lays out SessionOptions differently: the GPU build's CUDA provider cannot be added")
	}
	p := *(*unsafe.Pointer)(unsafe.Pointer(opts))
	if p == nil {
		return nil, errors.New("session options are destroyed")
	}
	return p, nil
}
