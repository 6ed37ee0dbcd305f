package llm_test

import (
	"context"
	"errors"
	"fmt"

	"partybot/llm"
	"partybot/llm/llmtest"
)

func ExampleClient_ChatStream() {
	srv := llmtest.New()
	defer srv.Close()
	srv.EnqueueChat(llmtest.Stream("按照“六同步”要求，", "同步建立党组织[1]。"))

	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.ChatModel = srv.URL, "qwen-plus"
	c, err := llm.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := c.ChatStream(context.Background(),
		[]llm.Message{llm.System("只依据给出的资料回答。"), llm.User("怎样落实“六同步”？")},
		llm.ChatOptions{Temperature: 0.3},
		func(delta string) { fmt.Printf("delta: %s\n", delta) })
	switch {
	case errors.Is(err, llm.ErrIncomplete):
		fmt.Println("partial:", text) // fall back to the extractive answer
	case err != nil:
		fmt.Println("unavailable:", errors.Is(err, llm.ErrUnavailable))
	default:
		fmt.Println("answer:", text)
	}
	// Output:
	// delta: 按照“六同步”要求，
	// delta: 同步建立党组织[1]。
	// answer: 按照“六同步”要求，同步建立党组织[1]。
}
