// Command smp measures what a service mesh costs. See internal/cli.
package main

import (
	"os"

	"github.com/smp-dev/smp/internal/cli"
)

func main() {
	os.Exit(cli.Exec(os.Args[1:]))
}
