// Produces findings faster than the writer can take them: the pipe's capacity holds it back.
export default async function main(input) {
  for (let i = 1; i <= input.count; i++) {
    await sys.pipe.send("findings", { title: `finding ${i}`, sources: [`https://papers.example/${i}`] });
  }
  return `sent ${input.count}`;
}
