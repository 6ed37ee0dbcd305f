package bot

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/question"
)

func TestByFocus(t *testing.T) {
	ps := []question.Passage{{Focus: 0.6}, {Focus: 0.9}, {Focus: 0.62}, {Focus: 0.5}}
	order := []int{0, 1, 2, 3}
	byFocus(order, ps)
	assert.Equal(t, []int{1, 0, 2, 3}, order, "only a clearly better focus rises; near ties keep the retrieval's order")
	byFocus(nil, ps)
}
