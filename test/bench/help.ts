import { WORKER_NICE } from "../../src/roles/index.ts";

/** `npm run bench -- --help`. */
export const BENCH_HELP = `usage: npm run bench -- [--quick] [--runtimes node,bun,deno] [--window 10s] [--out FILE] [--profile] [--only LIST]

  --quick            seconds-long windows and small payload sets (CI); prints the table, writes no doc
  --runtimes LIST    runtimes for the HTTP ceiling and ingest rows, and for the single-event
                     pipeline row with the edge on each other runtime (default: node,bun,deno)
  --pipeline-runtime runtime of the ingest+query process in the pipeline rows and budgets (default node)
  --window D         length of one measured window (default 10s; quick: 1500ms)
  --out FILE         write the report here (default docs/benchmarks.md; with --quick, none)
  --json FILE        also write the rows as JSON
  --only LIST        measure only these sections: ceilings,ingest,consumers,pipeline,up,naive,scaleout
                     (ratios and CPU budget figures that need a missing section stay empty; the CPU
                     budget needs ceilings,pipeline; a partial run never writes the doc)
                     up: \`playpulse up\` with its own servers and demo traffic, and three load runs
                     at 3,000 events/s in requests of 20, each verified (issue 15's tail test)
                     scaleout: the pipeline with 2 ingest processes on one port (cluster module) and
                     2 replicas per play durable, its confirming run verified (every accepted event
                     stored once in events and rec_events, or the row fails)
  --profile          run the Node roles and the load generator with --cpu-prof and add their hot
                     spots to the report; the profiler costs about 5 % of a core per process, so
                     compare rates only with runs made alike
  --compiled         build with tsc first and run the Node processes from dist/ (as the production
                     image does; the benchmark's own scripts from dist-bench/); without it they
                     run through tsx, whose keepNames wrappers cost a few %
  --worker-nice N    the nice value of the consumer processes (default ${WORKER_NICE}, as \`playpulse up\`
                     runs its worker roles; 0 runs them at the edge's priority)`;
