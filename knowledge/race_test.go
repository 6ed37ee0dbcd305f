//go:build race

package knowledge_test

// raceEnabled reports whether the tests run under the race detector,
// which multiplies the memory of a process 2 to 8 times and its time 5 to
// 10 times: the heaviest tests of the limits run without it.
const raceEnabled = true
