package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seamDoc loses its end at a page break and goes on with another matter.
const seamDoc = `城东街道：暖“新”驿站让快递小哥有了歇脚点

今年以来，城东街道聚焦快递员、外卖骑手、网约车司机等新就业群体“休息难、饮水难、充电难、如厕难”问题，依托社区党群服务中心、商圈物业和沿街商户，统筹建设暖“新”驿站十二个，实现主要商圈全覆盖。

驿站统一配备饮水机、微波炉、充电柜、急救药箱和图书角，实行错时开放，夜间由社区网格员轮值，确保骑手随到随歇。街道还联合区总工会开展“夏送清凉”活动，为骑手送去防暑降温物品一千余份，组织免费体检三场，服务骑手八百余人次。

街道党工委坚持把驿站作为联系服务新就业群体的前沿阵地，定期召开骑手座谈会，收集意见建议四十余条，推动解决停车难、进小区难等实际问题。下一步，街道将在城西片区和老旧小区周边新建驿站，并在驿站内设立

殡葬改革宣传栏，推进移风易俗，倡导文明节俭治丧，引导群众摒弃大操大办、厚葬薄养等陈规陋习，由民政部门牵头对公墓建设运营开展专项检查。`

// TestIngestSeamWarning checks that ingest reports a seam that looks like
// a lost page in the file's line, and imports the file all the same.
func TestIngestSeamWarning(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	path := filepath.Join(docs, "驿站.txt")
	require.NoError(t, os.WriteFile(path, []byte(seamDoc), 0o644))
	out, stderr, err := run(t, dir, "", "ingest", path)
	require.NoError(t, err, "a warning is no failure")
	assert.Contains(t, out, "新增  "+path)
	assert.Contains(t, stderr, "注意  "+path+"：第 4 段疑似缺页或断页：“…，并在驿站内设立｜殡葬改革宣传栏，…”，已按段落分开，请核对原文\n")
}
