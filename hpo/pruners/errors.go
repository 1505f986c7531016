package pruners

import "errors"

// ErrInvalidConfig is wrapped by every error that Config.Validate, ParseConfig
// and New return for a configuration that cannot build a pruner.
var ErrInvalidConfig = errors.New("invalid pruner config")

// ErrBadState is wrapped by every error that UnmarshalBinary returns for bytes
// that are not a state written by a pruner of the same configuration.
var ErrBadState = errors.New("bad pruner state")
