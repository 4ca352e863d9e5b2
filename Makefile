# Convenience targets; scripts/ holds the real commands.
.PHONY: test build
test:
	scripts/test
build:
	go build -o smp ./cmd/smp
