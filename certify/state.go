package certify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the version of the state file's format.
const stateVersion = 1

// TuneState is the state file: the settings Tune changed, with the
// values Reset writes back.
type TuneState struct {
	Version int       `json:"version"`
	Time    time.Time `json:"time"` // of the last Tune
	Changes []Change  `json:"changes"`
}

// DefaultStatePath is where Tune saves its state by default:
// $XDG_STATE_HOME/smp/certify-tune.json, else
// $HOME/.local/state/smp/certify-tune.json. getenv is os.Getenv outside
// tests. Under sudo, HOME is root's: tune and reset both as root.
func DefaultStatePath(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "smp", "certify-tune.json"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "smp", "certify-tune.json"), nil
	}
	return "", fmt.Errorf("tune state file: neither XDG_STATE_HOME nor HOME is an absolute directory: pass --state FILE")
}

// LoadState reads the state file at name; ErrNoState when there is none.
func LoadState(name string) (TuneState, error) {
	var st TuneState
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return st, fmt.Errorf("%w at %s", ErrNoState, name)
	}
	if err != nil {
		return st, fmt.Errorf("tune state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("tune state %s: %w", name, err)
	}
	if st.Version != stateVersion {
		return st, fmt.Errorf("tune state %s: version %d: expected %d", name, st.Version, stateVersion)
	}
	for i, c := range st.Changes {
		if !filepath.IsAbs(c.Path) || !fs.ValidPath(c.Path[1:]) {
			return st, fmt.Errorf("tune state %s: changes[%d].path %q: expected an absolute, clean path", name, i, c.Path)
		}
	}
	return st, nil
}

// SaveState writes st to name atomically (a temporary file in the same
// directory, synced, then renamed over it), creating the directory.
func SaveState(name string, st TuneState) error {
	if st.Changes == nil {
		st.Changes = []Change{}
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tune state: %w", err)
	}
	f, err := os.CreateTemp(dir, ".certify-tune-*.json")
	if err != nil {
		return fmt.Errorf("tune state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("tune state %s: %w", name, err)
	}
	return nil
}

func removeState(name string) error {
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("tune state: %w", err)
	}
	return nil
}
