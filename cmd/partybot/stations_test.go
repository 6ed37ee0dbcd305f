package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
)

// stationsCLI runs "partybot stations args..." in data directory dir,
// with the database URL dbURL when set.
func stationsCLI(t *testing.T, dir, dbURL string, args ...string) (string, error) {
	return runCLI(t, Config{DataDir: dir, DatabaseURL: dbURL}, append([]string{"stations"}, args...)...)
}

// stationsCSV is a list of Shanghai stations in GCJ-02 (as 高德's picker
// gives them) with one row that has no name.
const stationsCSV = `名称,地址,经度,纬度,服务,开放时间,电话
南京东路暖“新”驿站,上海市黄浦区南京东路300号,121.489023,31.236162,"休息、喝水、手机充电、微波炉",08:00-20:00,021-63210001
静安寺司机之家,上海市静安区南京西路1686号,121.449958,31.221821,休息/饮水/如厕/修车,24小时,021-62480002
,上海市徐汇区漕溪北路88号,121.441497,31.193132,休息,,
陆家嘴暖“新”驿站,上海市浦东新区陆家嘴环路1000号,121.504219,31.237754,休息 饮水 充电 热饭,每天 20:00-次日8:00,
虹桥枢纽司机之家,上海市闵行区申贵路1500号,121.325163,31.192131,休息、饮水、厕所,营业时间待定,
`

// nearResult is a station as "stations near --json" prints it.
type nearResult struct {
	Name      string   `json:"name"`
	DistanceM *int64   `json:"distance_m"`
	Address   string   `json:"address"`
	Services  []string `json:"services"`
	Hours     string   `json:"hours"`
	Phone     string   `json:"phone"`
	Open      *bool    `json:"open"`
}

func TestStationsCLI(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "驿站.csv")
	require.NoError(t, os.WriteFile(file, []byte(stationsCSV), 0o600))

	out, err := stationsCLI(t, dir, "", "import", file, "--crs", "gcj02")
	require.NoError(t, err)
	assert.Contains(t, out, "已导入 4 个驿站（坐标系 GCJ-02，已统一存为 WGS-84），替换了原有的 0 个。")
	assert.Contains(t, out, "跳过 1 处：\n  第 4 行：缺少名称\n")
	assert.Contains(t, out, "第 6 行：开放时间“营业时间待定”无法识别")
	assert.FileExists(t, filepath.Join(dir, "stations.db"))

	// 人民广场, in WGS-84 as a phone sends it.
	out, err = stationsCLI(t, dir, "", "near", "31.2304", "121.4737", "-n", "3", "--json")
	require.NoError(t, err)
	var got []nearResult
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got, 3)
	assert.Equal(t, []string{"南京东路暖“新”驿站", "陆家嘴暖“新”驿站", "静安寺司机之家"}, []string{got[0].Name, got[1].Name, got[2].Name})
	require.NotNil(t, got[0].DistanceM)
	assert.InDelta(t, 1250, *got[0].DistanceM, 100)
	assert.Less(t, *got[0].DistanceM, *got[1].DistanceM)
	assert.Equal(t, []string{"休息", "饮水", "充电", "热饭"}, got[0].Services)
	assert.Equal(t, "021-62480002", got[2].Phone)
	require.NotNil(t, got[2].Open)
	assert.True(t, *got[2].Open, "open around the clock")

	out, err = stationsCLI(t, dir, "", "near", "31.2304,121.4737", "--service", "修车")
	require.NoError(t, err)
	assert.Contains(t, out, "1. 静安寺司机之家  ")
	assert.Contains(t, out, "公里  正在开放\n   上海市静安区南京西路1686号 · 24小时 · 021-62480002\n   服务：休息、饮水、如厕、维修\n")
	assert.NotContains(t, out, "2. ")

	out, err = stationsCLI(t, dir, "", "near", "31.2304", "121.4737", "--service", "洗澡", "--json")
	require.NoError(t, err)
	assert.Equal(t, "[]\n", out)

	out, err = stationsCLI(t, dir, "", "list")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "黄浦区（1）\n  南京东路暖“新”驿站\n"), out)
	assert.Contains(t, out, "共 4 个驿站；")
	assert.Contains(t, out, "导入自 驿站.csv。")

	out, err = stationsCLI(t, dir, "", "list", "--json")
	require.NoError(t, err)
	var all []nearResult
	require.NoError(t, json.Unmarshal([]byte(out), &all), out)
	assert.Len(t, all, 4)
	assert.Nil(t, all[0].DistanceM, "list has no distance")
	assert.Nil(t, all[3].Open, "hours not understood")
}

func TestStationsCLIErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "驿站.csv")
	require.NoError(t, os.WriteFile(file, []byte(stationsCSV), 0o600))
	noLat := filepath.Join(t.TempDir(), "nolat.csv")
	require.NoError(t, os.WriteFile(noLat, []byte("名称,地址,经度,服务,开放时间\nA,B,121.5,休息,全天\n"), 0o600))

	out, err := stationsCLI(t, dir, "", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "还没有导入驿站名单")
	_, err = stationsCLI(t, dir, "", "near", "31.2304", "121.4737")
	assert.EqualError(t, err, "还没有导入驿站名单")

	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no subcommand", nil, true, "用法"},
		{"unknown subcommand", []string{"remove"}, true, "未知的 stations 子命令"},
		{"no crs", []string{"import", file}, false, "没有注明坐标系，已拒绝导入。请用 --crs 指定"},
		{"bad crs", []string{"import", file, "--crs", "cgcs2000"}, true, "无法识别坐标系“cgcs2000”"},
		{"missing column", []string{"import", noLat, "--crs", "wgs84"}, false, "缺少必需的列：纬度"},
		{"no file", []string{"import", filepath.Join(dir, "none.csv"), "--crs", "wgs84"}, false, "无法打开文件"},
		{"near without a place", []string{"near", "31.2"}, true, "用法"},
		{"near, not numbers", []string{"near", "人民广场", "上海"}, true, "十进制度数"},
		{"near tokyo", []string{"near", "35.68", "139.69"}, false, "不在中国境内"},
		{"near, swapped", []string{"near", "121.4737", "31.2304"}, false, "写反"},
		{"near, too many", []string{"near", "31.2304", "121.4737", "-n", "500"}, false, "一次可查 1 到 50 个驿站"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stationsCLI(t, dir, "", tc.args...)
			require.Error(t, err)
			assert.Equal(t, tc.usage, isUsage(err), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestStationsCLIPostgres: with a shared database, an import on one
// machine is what another finds.
func TestStationsCLIPostgres(t *testing.T) {
	url := pgtest.URL(t)
	file := filepath.Join(t.TempDir(), "驿站.csv")
	require.NoError(t, os.WriteFile(file, []byte(stationsCSV), 0o600))
	out, err := stationsCLI(t, t.TempDir(), url, "import", file, "--crs", "gcj02")
	require.NoError(t, err)
	assert.Contains(t, out, "已导入 4 个驿站")

	out, err = stationsCLI(t, t.TempDir(), url, "near", "31.2304", "121.4737", "-n", "1", "--json")
	require.NoError(t, err)
	var got []nearResult
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got, 1)
	assert.Equal(t, "南京东路暖“新”驿站", got[0].Name)
}
