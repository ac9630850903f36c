// Takes findings slowly (each one written to working memory) until the researcher is done.
export default async function main(input) {
  const titles = [];
  for (let i = 0; i < input.count; i++) {
    const f = await sys.pipe.recv("findings");
    for (let j = 0; j < 3; j++) await sys.fs.write(`/mem/working/draft-${i}.md`, `# ${f.title}\n${f.sources.join("\n")}\n`);
    titles.push(f.title);
  }
  return titles;
}
