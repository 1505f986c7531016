package trainer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/random"
)

func TestRestrictOptions(t *testing.T) {
	o, removed, err := RestrictOptions(agents.Options{Models: []string{"/models/tiny"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Optimizers, []string{"adamw", "adafactor", "lion"}) || !slices.Equal(o.GradCheckpointing, []bool{false}) ||
		!slices.Equal(o.Models, []string{"/models/tiny"}) {
		t.Errorf("restricted options %+v", o)
	}
	if len(removed) != 2 || !strings.Contains(removed[0], "adamw_8bit") || !strings.Contains(removed[1], "grad_checkpointing: true") {
		t.Errorf("removed %q", removed)
	}
	again, removedAgain, err := RestrictOptions(o)
	if err != nil || len(removedAgain) != 0 || !slices.Equal(again.Optimizers, o.Optimizers) {
		t.Errorf("restricting twice: %+v, %q, %v", again, removedAgain, err)
	}
	if _, _, err := RestrictOptions(agents.Options{Optimizers: []string{"adamw_8bit"}}); !errors.Is(err, ErrNothingLeft) || !errors.Is(err, agents.ErrInvalidOptions) {
		t.Errorf("only adamw_8bit: %v, want ErrNothingLeft", err)
	}
}

// TestRestrictedSpaceIsTrainable draws 300 trials from the restricted
// criteria space and checks that ParseCriteria accepts every one; the
// unrestricted space must produce refusals, or the test proves nothing.
func TestRestrictedSpaceIsTrainable(t *testing.T) {
	o, _, err := RestrictOptions(agents.Options{})
	if err != nil {
		t.Fatal(err)
	}
	refused := func(opt agents.Options) int {
		space, err := agents.Space(agents.Criteria, opt)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i := 0; i < 300; i++ {
			internal, err := random.SampleSpace(random.NewRand(7, i), space)
			if err != nil {
				t.Fatal(err)
			}
			params, err := space.Decode(internal)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseCriteria(params); err != nil {
				if !errors.Is(err, activities.ErrInvalidConfig) {
					t.Fatalf("trial %d: %v", i, err)
				}
				n++
			}
		}
		return n
	}
	if n := refused(o); n != 0 {
		t.Errorf("%d of 300 trials of the restricted space refused", n)
	}
	if n := refused(agents.Options{}); n == 0 {
		t.Error("no trial of the original space refused: adamw_8bit and grad checkpointing should be")
	}
}
