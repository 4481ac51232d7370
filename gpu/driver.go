package gpu

import "fmt"

// Driver is the NVIDIA driver behind a Provider.
type Driver struct {
	// Version is the driver's version, e.g. "580.95.05".
	Version string `json:"version"`
	// CUDAVersion is the newest CUDA version the driver supports, e.g. "13.0"; a CUDA library
	// built for a newer major version does not run on it.
	CUDAVersion string `json:"cuda_version"`
}

// DriverReader is implemented by Providers that can say which driver they read.
type DriverReader interface {
	// Driver reads the driver's version and the CUDA version it supports.
	Driver() (Driver, error)
}

// DriverOf returns the driver behind p, or the zero Driver (and no error) when p cannot tell.
func DriverOf(p Provider) (Driver, error) {
	if r, ok := p.(DriverReader); ok {
		return r.Driver()
	}
	return Driver{}, nil
}

// cudaVersionString turns NVML's CUDA driver version (1000*major + 10*minor, e.g. 13000) into
// "13.0".
func cudaVersionString(v int) string {
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}
