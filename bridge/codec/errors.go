package codec

import (
	"errors"
	"fmt"
)

var (
	// ErrShort is returned when a descriptor ends before a field it announces.
	ErrShort = errors.New("codec: descriptor truncated")
	// ErrInvalid is returned for a descriptor that violates its specification.
	ErrInvalid = errors.New("codec: invalid descriptor")
	// ErrNoStructure is returned for a dependency descriptor that refers to a
	// template structure the parser has not seen yet.
	ErrNoStructure = errors.New("codec: no template dependency structure")
	// ErrNotPresent is returned when a field to rewrite is absent.
	ErrNotPresent = errors.New("codec: field not present")
)

// Wrapped once here so that the per-packet error paths do not allocate.
var (
	errVP9Short = fmt.Errorf("vp9: %w", ErrShort)
	errVP9Refs  = fmt.Errorf("vp9: more than %d reference indices: %w", VP9MaxRefs, ErrInvalid)
	errVP9NoPID = fmt.Errorf("vp9 picture id: %w", ErrNotPresent)
	errVP9NoTL0 = fmt.Errorf("vp9 tl0picidx: %w", ErrNotPresent)
)

var (
	errDDShort       = fmt.Errorf("dependency descriptor: %w", ErrShort)
	errDDNoStructure = fmt.Errorf("dependency descriptor: %w", ErrNoStructure)
	errDDTemplate    = fmt.Errorf("dependency descriptor: template id outside the structure: %w", ErrInvalid)
	errDDTemplates   = fmt.Errorf("dependency descriptor: more than %d templates: %w", DDMaxTemplates, ErrInvalid)
	errDDLayers      = fmt.Errorf("dependency descriptor: layer id beyond %d spatial or %d temporal: %w", DDMaxSpatial, DDMaxTemporal, ErrInvalid)
	errDDFdiffs      = fmt.Errorf("dependency descriptor: more than %d frame diffs: %w", DDMaxFdiffs, ErrInvalid)
	errDDNoMask      = fmt.Errorf("dependency descriptor active decode targets: %w", ErrNotPresent)
)

var (
	errREDShort  = fmt.Errorf("red: %w", ErrShort)
	errREDBlocks = fmt.Errorf("red: more than %d redundant blocks: %w", REDMaxRedundant, ErrInvalid)
	errREDBlock  = fmt.Errorf("red: block not representable: %w", ErrInvalid)
)
