package spec_test

import (
	"errors"
	"fmt"

	"github.com/smp-dev/smp/spec"
)

func ExampleParse() {
	data := []byte(`apiVersion: smp/v1alpha1
kind: Test
metadata:
  name: example
load:
  rate: -5
  conections: 4
meshes:
  - name: istio
    type: istio
`)
	_, err := spec.Parse(data, "example.yaml")
	fmt.Println(err)
	fmt.Println("invalid:", errors.Is(err, spec.ErrInvalid))
	// Output:
	// example.yaml:6:9: load.rate: got -5, expected a number >= 0 (requests per second; 0 = closed loop)
	// example.yaml:7:3: load.conections: got an unknown field, expected one of generator, generatorPath, mode, capacity, protocol, connections, rate, arrival, duration, warmup, timeout, maxBacklog, sendTolerance, request, requests, streams, clients, newConnection, driver, tls, grpc, tcp (did you mean connections?)
	// example.yaml:10:11: meshes[0].type: got "istio", expected one of none, reference, haproxy, nginx, envoy with platform local (istio is a mesh installed in a cluster, which smp detects: set environment.platform: kubernetes)
	// invalid: true
}

func ExampleDefault() {
	t := spec.Default()
	t.Metadata.Name = "load"
	t.Workload = spec.Workload{URL: "http://127.0.0.1:8080/"}
	t.Load.Connections = 0
	fmt.Println(t.Validate())
	// Output:
	// load.connections: got 0, expected an integer from 1 to 10000
}

func ExampleParseByteSize() {
	for _, s := range []string{"512", "1KiB", "1KB"} {
		n, err := spec.ParseByteSize(s)
		fmt.Println(int64(n), err)
	}
	// Output:
	// 512 <nil>
	// 1024 <nil>
	// 0 a size in bytes such as 512, 1KiB or 2MiB (binary units only: write KiB, not KB)
}
