package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
)

// riderNotice is a notice for riders that names trucks once, in passing.
const riderNotice = `关于加强外卖骑手劳动权益保障和服务工作的通知

各区委社会工作部：

为切实维护外卖骑手合法权益，进一步做好外卖骑手服务保障工作，现就有关事项通知如下。

一、督促外卖平台企业合理确定骑手劳动定额和配送时限，不得压缩骑手配送时间。

二、依托暖“新”驿站为外卖骑手提供休息、饮水、充电、热饭等服务。

三、快递员、货车司机等其他新就业群体的服务保障工作，参照本通知执行。

某某市委社会工作部
2025年5月20日
`

// pushCLI runs "partybot push args..." in data directory dir, on the
// PostgreSQL database dbURL when it is not empty.
func pushCLI(t *testing.T, dir, dbURL string, args ...string) (string, error) {
	return runCLI(t, Config{DataDir: dir, DatabaseURL: dbURL}, append([]string{"push"}, args...)...)
}

func TestPushCLI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testPushCLI(t, "") })
	t.Run("postgres", func(t *testing.T) { testPushCLI(t, pgtest.URL(t)) })
}

func testPushCLI(t *testing.T, dbURL string) {
	dir := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		out, err := pushCLI(t, dir, dbURL, args...)
		require.NoError(t, err, "partybot push %s", strings.Join(args, " "))
		return out
	}
	out := cli("subscribe", "--user", "1001", "--as", "骑手", "--topic", "驿站")
	assert.Contains(t, out, "身份：外卖骑手\n话题：驿站")
	cli("subscribe", "--user", "1002", "--as", "卡车司机")
	_, err := pushCLI(t, dir, dbURL, "subscribe", "--user", "1003", "--as", "外麦骑手")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "是否想选“外卖骑手”")

	file := filepath.Join(t.TempDir(), "通知.txt")
	require.NoError(t, os.WriteFile(file, []byte(riderNotice), 0o600))
	out = cli("preview", file)
	for _, want := range []string{
		"标题：关于加强外卖骑手劳动权益保障和服务工作的通知（2025年5月20日）",
		"面向：外卖骑手（标题点名）",
		"摘要：为切实维护外卖骑手合法权益，进一步做好外卖骑手服务保障工作，现就有关事项通知如下。[1]",
		"将推送给 1 位订阅者：\n  用户 1001：身份：外卖骑手；话题：驿站\n",
		"暂缓：partybot push hold " + file,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "用户 1002")

	rel, err := filepath.Rel(mustGetwd(t), file)
	require.NoError(t, err)
	out = cli("hold", rel)
	assert.Contains(t, out, "已暂缓推送："+file, "a path names the document as ingest does")
	assert.Contains(t, cli("preview", file), "状态：已暂缓")
	assert.Contains(t, cli("release", file), "已恢复推送："+file)
	_, err = pushCLI(t, dir, dbURL, "release", file)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "没有被暂缓推送")

	assert.Contains(t, cli("unsubscribe", "--user", "1001", "驿站"), "已退订：用户 1001 驿站")
	_, err = pushCLI(t, dir, dbURL, "unsubscribe", "--user", "1001", "党费")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "你没有订阅“党费”")
}

func TestPushCLIUsage(t *testing.T) {
	for _, args := range [][]string{
		{}, {"preview"}, {"hold"}, {"subscribe", "--as", "骑手"}, {"frobnicate"},
	} {
		_, err := pushCLI(t, t.TempDir(), "", args...)
		require.Error(t, err)
		assert.True(t, isUsage(err), "%v: %v", args, err)
	}
	_, err := pushCLI(t, t.TempDir(), "", "preview", filepath.Join(t.TempDir(), "缺失.txt"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "文件或文件夹不存在")
}
