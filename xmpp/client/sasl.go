package client

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"slices"

	"mellium.im/sasl"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// mechanisms in order of preference; PLAIN is never used.
var mechanisms = []sasl.Mechanism{sasl.ScramSha256, sasl.ScramSha1}

// pickMechanism returns the strongest SCRAM mechanism the server offers.
func pickMechanism(feats *dom.Element) (sasl.Mechanism, []string, error) {
	m := feats.Child(ns.SASL, "mechanisms")
	if m == nil {
		return sasl.Mechanism{}, nil, ErrNoMechanism
	}
	var offered []string
	for _, c := range m.ChildrenNamed(ns.SASL, "mechanism") {
		offered = append(offered, c.Text)
	}
	for _, mech := range mechanisms {
		if slices.Contains(offered, mech.Name) {
			return mech, offered, nil
		}
	}
	return sasl.Mechanism{}, offered, ErrNoMechanism
}

// authenticate runs SASL until success (the server's signature verified)
// or failure (ErrAuth).
func (n *negotiation) authenticate(feats *dom.Element) error {
	mech, offered, err := pickMechanism(feats)
	if err != nil {
		return err
	}
	opts := []sasl.Option{
		sasl.RemoteMechanisms(offered...),
		sasl.Credentials(func() ([]byte, []byte, []byte) {
			return []byte(n.account.Localpart()), []byte(n.cfg.Password), nil
		}),
	}
	if tc, ok := n.conn.(*tls.Conn); ok {
		opts = append(opts, sasl.TLSState(tc.ConnectionState()))
	}
	neg := sasl.NewClient(mech, opts...)
	n.mech = mech.Name
	_, resp, err := neg.Step(nil)
	if err != nil {
		return fmt.Errorf("xmpp client: SASL %s: %w", mech.Name, err)
	}
	auth := dom.New(ns.SASL, "auth").SetAttr("mechanism", mech.Name).SetText(encode64(resp))
	if err := n.write(auth); err != nil {
		return err
	}
	n.cfg.Logger.Debug("xmpp client authenticating", "mechanism", mech.Name, "jid", n.account.String())
	return n.saslLoop(neg)
}

func (n *negotiation) saslLoop(neg *sasl.Negotiator) error {
	for {
		el, err := n.r.next()
		if err != nil {
			return err
		}
		if el.Space != ns.SASL {
			return fmt.Errorf("%w: <%s> during SASL", ErrProtocol, el.Local)
		}
		data, err := base64.StdEncoding.DecodeString(el.Text)
		if err != nil {
			return fmt.Errorf("%w: SASL data: %w", ErrProtocol, err)
		}
		switch el.Local {
		case "challenge":
			_, resp, err := neg.Step(data)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrAuth, err)
			}
			if err := n.write(dom.New(ns.SASL, "response").SetText(encode64(resp))); err != nil {
				return err
			}
		case "success":
			return verifySuccess(neg, data)
		case "failure":
			return fmt.Errorf("%w: %s", ErrAuth, saslCondition(el))
		default:
			return fmt.Errorf("%w: <%s> during SASL", ErrProtocol, el.Local)
		}
	}
}

// verifySuccess checks the server signature carried in <success/>: a
// server that cannot prove it knows the password is not trusted.
func verifySuccess(neg *sasl.Negotiator, data []byte) error {
	if neg.State()&sasl.StepMask == sasl.ResponseSent {
		if _, _, err := neg.Step(data); err != nil {
			return fmt.Errorf("%w: server signature: %w", ErrAuth, err)
		}
	}
	if neg.State()&sasl.Errored != 0 || neg.State()&sasl.StepMask != sasl.ValidServerResponse {
		return fmt.Errorf("%w: the server did not prove it knows the password", ErrAuth)
	}
	return nil
}

func saslCondition(el *dom.Element) string {
	for _, c := range el.Children {
		if c.Space == ns.SASL && c.Local != "text" {
			return c.Local
		}
	}
	return "failure"
}

func encode64(b []byte) string {
	if len(b) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(b)
}
