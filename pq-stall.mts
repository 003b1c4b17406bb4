import PQueue from "p-queue";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INTERVAL = 100;
let stalls = 0;
for (let trial = 0; trial < 40; trial++) {
  const overall = new PQueue({ intervalCap: 25, interval: 1000 / 5 });
  const chats = new Map<string, PQueue>();
  const inChat = (key: string, call: () => Promise<unknown>) => {
    let q = chats.get(key);
    if (!q) {
      q = new PQueue({ concurrency: 1, intervalCap: 5, interval: INTERVAL });
      const created = q;
      created.on("idle", () => { if (chats.get(key) === created && created.size === 0 && created.pending === 0) chats.delete(key); });
      chats.set(key, q);
    }
    return q.add(() => overall.add(call));
  };
  let outstanding = 0;
  let lastProgress = Date.now();
  const adds = 20 + Math.floor(Math.random() * 30);
  for (let i = 0; i < adds; i++) {
    const burst = 1 + Math.floor(Math.random() * 7);
    for (let j = 0; j < burst; j++) {
      outstanding++;
      void inChat("c", async () => { if (Math.random() < 0.5) await sleep(Math.random() * 5); }).then(() => { outstanding--; lastProgress = Date.now(); });
    }
    await sleep(Math.random() * INTERVAL * 1.5);
  }
  const deadline = Date.now() + INTERVAL * 60;
  while (outstanding > 0 && Date.now() < deadline) await sleep(10);
  if (outstanding > 0) { stalls++; const q = chats.get("c"); console.log("stall", trial, outstanding, q?.size, q?.pending, overall.size, overall.pending, Date.now() - lastProgress); }
}
console.log("stalls", stalls);
process.exit(0);
