package npy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// pyValue is a value of the Python literal subset used in .npy headers:
// string, int64, bool, nil (None), []pyValue (tuple or list) or
// map[string]pyValue (dict with string keys).
type pyValue any

// errEscape is the error for a header string with an escape sequence.
var errEscape = errors.New("escape sequences in header strings are not supported")

// maxNesting bounds the nesting depth of header literals.
const maxNesting = 32

// literalParser parses the Python literal of a .npy header.
type literalParser struct {
	s   string
	pos int
}

// parseHeaderDict parses a header dictionary such as
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
func parseHeaderDict(s string) (map[string]pyValue, error) {
	p := &literalParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the header dictionary", p.snippet())
	}
	d, ok := v.(map[string]pyValue)
	if !ok {
		return nil, errors.New("header is not a dictionary")
	}
	return d, nil
}

func (p *literalParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\x00':
			p.pos++
		default:
			return
		}
	}
}

// snippet returns a short excerpt of the input at the current position.
func (p *literalParser) snippet() string {
	end := min(p.pos+16, len(p.s))
	return p.s[p.pos:end]
}

func (p *literalParser) value(depth int) (pyValue, error) {
	if depth > maxNesting {
		return nil, errors.New("header nested too deeply")
	}
	p.space()
	if p.pos >= len(p.s) {
		return nil, errors.New("header ends unexpectedly")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.dict(depth)
	case c == '(':
		return p.sequence(depth, ')')
	case c == '[':
		return p.sequence(depth, ']')
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.int()
	case strings.HasPrefix(p.s[p.pos:], "True"):
		p.pos += 4
		return true, nil
	case strings.HasPrefix(p.s[p.pos:], "False"):
		p.pos += 5
		return false, nil
	case strings.HasPrefix(p.s[p.pos:], "None"):
		p.pos += 4
		return nil, nil
	default:
		return nil, fmt.Errorf("unexpected %q in header", p.snippet())
	}
}

func (p *literalParser) dict(depth int) (pyValue, error) {
	p.pos++ // '{'
	d := map[string]pyValue{}
	for {
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, errors.New("header dictionary has a key that is not a string")
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, fmt.Errorf("expected ':' after key %q in header", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, dup := d[key]; dup {
			return nil, fmt.Errorf("header has key %q twice", key)
		}
		d[key] = v
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return d, nil
		}
		return nil, errors.New("header dictionary is not closed")
	}
}

func (p *literalParser) sequence(depth int, end byte) (pyValue, error) {
	p.pos++ // '(' or '['
	var items []pyValue
	for {
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == end {
			p.pos++
			return items, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == end {
			p.pos++
			return items, nil
		}
		return nil, fmt.Errorf("header sequence not closed by %q", end)
	}
}

func (p *literalParser) str() (pyValue, error) {
	q := p.s[p.pos]
	start := p.pos + 1
	for i := start; i < len(p.s); i++ {
		switch p.s[i] {
		case '\\':
			return nil, errEscape
		case q:
			p.pos = i + 1
			return p.s[start:i], nil
		}
	}
	return nil, errors.New("header string is not closed")
}

func (p *literalParser) int() (pyValue, error) {
	start := p.pos
	if p.s[p.pos] == '-' || p.s[p.pos] == '+' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	text := p.s[start:p.pos]
	// Python 2 wrote long integers with an L suffix.
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') {
		p.pos++
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad integer %q in header", text)
	}
	return n, nil
}
