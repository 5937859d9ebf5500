const CPU_MS = 100; // the CPU time one order needs, on one full vCPU

export const handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 150)); // the downstream call
  const start = process.cpuUsage();
  const used = () => {
    const u = process.cpuUsage(start);
    return (u.user + u.system) / 1000;
  };
  let n = 0;
  while (used() < CPU_MS) {
    for (let i = 0; i < 1000; i++) n = (n * 31 + 7) % 1000003;
  }
  return { cpu_ms: Math.round(used()), checksum: n };
};
