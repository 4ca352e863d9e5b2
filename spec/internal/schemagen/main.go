// Command schemagen writes spec.Schema to schema.json in the current
// directory. go generate ./spec runs it in spec/, so that the committed
// schema is the one the field tables describe.
package main

import (
	"fmt"
	"os"

	"github.com/smp-dev/smp/spec"
)

func main() {
	if err := os.WriteFile("schema.json", spec.Schema(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
