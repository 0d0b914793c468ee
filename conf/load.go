package conf

import (
	"errors"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
)

// Load reads the TOML file at path over the built-in defaults and validates
// the result. Every problem is reported at once: unknown keys and bad values
// are *KeyError values (errors.Is ErrUnknownKey / ErrBadValue) joined into
// one error; a file that is not valid TOML gives ErrParse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	return c, nil
}

// Parse is Load for a TOML document already in memory.
func Parse(data []byte) (*Config, error) {
	c := defaults()
	md, err := toml.Decode(string(data), c)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, &KeyError{Key: k.String(), Err: ErrUnknownKey})
	}
	c.fillDerived()
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// defaults is Default before derived values are filled in, so that a file
// changing the domain does not inherit the localhost-only advertise default.
func defaults() *Config {
	c := Default()
	c.Media.Advertise = nil
	return c
}
