package client

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// streamReader parses the server's side of an RFC 6120 stream: the header,
// then one top-level element at a time, with a size limit per element.
type streamReader struct {
	lim *limitReader
	dec *xml.Decoder
}

func newStreamReader(r io.Reader, limit int) *streamReader {
	lim := &limitReader{r: bufio.NewReader(r), limit: limit}
	dec := xml.NewDecoder(lim)
	dec.Strict = true
	return &streamReader{lim: lim, dec: dec}
}

// header reads up to and including the <stream:stream> start tag.
func (s *streamReader) header() error {
	_, err := s.headerID()
	return err
}

// headerID reads the <stream:stream> start tag and returns its id.
func (s *streamReader) headerID() (string, error) {
	for {
		tok, err := s.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			continue
		case xml.CharData:
			continue
		case xml.StartElement:
			if t.Name.Space != ns.Streams || t.Name.Local != "stream" {
				if t.Name.Space == ns.Streams && t.Name.Local == "error" {
					el, err := dom.ReadElement(s.dec, t)
					if err == nil {
						return "", fmt.Errorf("%w: %s", ErrStream, streamCondition(el))
					}
				}
				return "", fmt.Errorf("%w: stream header is <%s>", ErrProtocol, t.Name.Local)
			}
			for _, a := range t.Attr {
				if a.Name.Local == "id" && a.Name.Space == "" {
					return a.Value, nil
				}
			}
			return "", nil
		default:
			return "", fmt.Errorf("%w: %T before the stream header", ErrProtocol, tok)
		}
	}
}

// next returns the next top-level element; io.EOF after the stream footer.
// A stream error is returned as an error wrapping ErrStream.
func (s *streamReader) next() (*dom.Element, error) {
	for {
		s.lim.n = 0
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData: // whitespace keepalives
			continue
		case xml.EndElement:
			return nil, io.EOF
		case xml.StartElement:
			el, err := dom.ReadElement(s.dec, t)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
			}
			if el.Is(ns.Streams, "error") {
				return nil, fmt.Errorf("%w: %s", ErrStream, streamCondition(el))
			}
			return el, nil
		default:
			return nil, fmt.Errorf("%w: restricted XML %T", ErrProtocol, tok)
		}
	}
}

func (s *streamReader) token() (xml.Token, error) {
	tok, err := s.dec.Token()
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return tok, err
}

// streamCondition names a stream error's defined condition and its
// server-supplied text (cut short).
func streamCondition(el *dom.Element) string {
	cond, text := "undefined-condition", ""
	for _, c := range el.Children {
		switch {
		case c.Space != ns.StreamErr:
		case c.Local == "text":
			text = c.Text
		default:
			cond = c.Local
		}
	}
	if text == "" {
		return cond
	}
	if len(text) > 200 {
		text = text[:200]
	}
	return fmt.Sprintf("%s (%q)", cond, text)
}

var errTooLarge = errors.New("xmpp client: incoming element exceeds the size limit")

// limitReader fails once more than limit bytes were read since n was reset.
type limitReader struct {
	r     io.Reader
	n     int
	limit int
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.limit {
		return 0, errTooLarge
	}
	if len(p) > l.limit-l.n {
		p = p[:l.limit-l.n]
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}
