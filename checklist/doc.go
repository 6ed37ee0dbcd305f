// Package checklist drafts 台账-style checklists for a piece of work, each
// item tied to the passage of the knowledge base it rests on, and writes
// them as a chat message, Markdown and a printable .xlsx.
//
// A [Drafter] matches a topic to a checklist [Template] ("八个一" 包联,
// 专项整顿闭环管理 …: data in templates/*.yaml, embedded, read by
// [ShippedTemplates], with a deployer's own read by [LoadTemplates]);
// without a template it takes the actionable sentences of the passages
// that cover the topic; without those it refuses. Every quote is looked up
// in the knowledge base (a [Retriever]); an optional [Adapter], such as
// [ModelAdapter], may reword the items, and keeps only those whose quote
// it can check.
//
// Template files are decoded strictly (package strictyaml): an unknown key
// or a value of the wrong kind fails with the file, line and key. The
// package does not log; it returns errors, with Chinese messages for what
// a user or deployer must fix.
package checklist
