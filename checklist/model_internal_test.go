package checklist

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModelReplyValidate(t *testing.T) {
	const full = `"task":"甲","requirement":"乙","unit":"丙","cite":1,"quote":"丁"`
	tests := []struct {
		name, reply string
		err         string // "" for valid
	}{
		{"valid", `{"items":[{` + full + `}]}`, ""},
		{"no items proposed", `{"items":[]}`, ""},
		{"empty strings", `{"items":[{"task":"","requirement":"","unit":"","cite":0,"quote":""}]}`, ""},
		{"unknown property ignored", `{"items":[{` + full + `,"note":"x"}],"extra":1}`, ""},
		{"items missing", `{}`, "items: missing or null"},
		{"items null", `{"items":null}`, "items: missing or null"},
		{"item null", `{"items":[{` + full + `},null]}`, "items[1].task: missing or null"},
		{"task missing", `{"items":[{"requirement":"乙","unit":"丙","cite":1,"quote":"丁"}]}`, "items[0].task"},
		{"requirement null", `{"items":[{"task":"甲","requirement":null,"unit":"丙","cite":1,"quote":"丁"}]}`, "items[0].requirement"},
		{"unit missing", `{"items":[{"task":"甲","requirement":"乙","cite":1,"quote":"丁"}]}`, "items[0].unit"},
		{"cite missing", `{"items":[{"task":"甲","requirement":"乙","unit":"丙","quote":"丁"}]}`, "items[0].cite"},
		{"quote missing", `{"items":[{"task":"甲","requirement":"乙","unit":"丙","cite":1}]}`, "items[0].quote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r modelReply
			require.NoError(t, json.Unmarshal([]byte(tc.reply), &r))
			err := r.Validate()
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

// TestModelSchema: the schema given to the model is JSON and requires
// what Validate checks.
func TestModelSchema(t *testing.T) {
	var s struct {
		Required   []string `json:"required"`
		Properties struct {
			Items struct {
				Items struct {
					Required []string `json:"required"`
				} `json:"items"`
			} `json:"items"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal([]byte(modelSchema), &s))
	assert.Equal(t, []string{"items"}, s.Required)
	assert.Equal(t, []string{"task", "requirement", "unit", "cite", "quote"}, s.Properties.Items.Items.Required)
}
