package memory_test

import (
	"testing"

	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/ledgertest"
	"github.com/redsm5/supermax-hpo/ledger/memory"
)

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger { return memory.New() })
}
