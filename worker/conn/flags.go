package conn

import (
	"github.com/urfave/cli/v2"
)

// Flag names, shared by the worker and the starter.
const (
	FlagAddress   = "address"
	FlagNamespace = "namespace"
	FlagTLSCert   = "tls-cert"
	FlagTLSKey    = "tls-key"
	FlagTLSCA     = "tls-ca"
	FlagAPIKey    = "api-key"
)

// Flags returns the connection flags, each falling back to its TEMPORAL_*
// environment variable and then to DefaultOptions. A new slice per call, so
// two commands never share flag state.
func Flags() []cli.Flag {
	def := DefaultOptions()
	return []cli.Flag{
		&cli.StringFlag{Name: FlagAddress, Value: def.Address, EnvVars: []string{"TEMPORAL_ADDRESS"},
			Usage: "Temporal frontend `HOST:PORT`"},
		&cli.StringFlag{Name: FlagNamespace, Value: def.Namespace, EnvVars: []string{"TEMPORAL_NAMESPACE"},
			Usage: "Temporal `NAMESPACE`"},
		&cli.StringFlag{Name: FlagTLSCert, EnvVars: []string{"TEMPORAL_TLS_CERT"},
			Usage: "client certificate `FILE` (PEM) for mTLS; needs --tls-key"},
		&cli.StringFlag{Name: FlagTLSKey, EnvVars: []string{"TEMPORAL_TLS_KEY"},
			Usage: "client private key `FILE` (PEM) for mTLS; needs --tls-cert"},
		&cli.StringFlag{Name: FlagTLSCA, EnvVars: []string{"TEMPORAL_TLS_CA"},
			Usage: "CA certificate `FILE` (PEM) that signed the server's certificate (default: system roots)"},
		&cli.StringFlag{Name: FlagAPIKey, EnvVars: []string{"TEMPORAL_API_KEY"},
			Usage: "API `KEY` (Temporal Cloud); turns TLS on"},
	}
}

// FromCLI reads the flags of Flags from a parsed command line. It does not
// validate; ClientOptions and Dial do.
func FromCLI(c *cli.Context) Options {
	return Options{
		Address:   c.String(FlagAddress),
		Namespace: c.String(FlagNamespace),
		TLSCert:   c.String(FlagTLSCert),
		TLSKey:    c.String(FlagTLSKey),
		TLSCA:     c.String(FlagTLSCA),
		APIKey:    c.String(FlagAPIKey),
	}
}
