import time

CPU_MS = 100  # the CPU time one order needs, on one full vCPU


def lambda_handler(event, context):
    time.sleep(0.15)  # the downstream call: waiting, not computing
    start = time.process_time()
    n = 0
    while (time.process_time() - start) * 1000 < CPU_MS:
        n = (n * 31 + 7) % 1000003
    return {"cpu_ms": round((time.process_time() - start) * 1000), "checksum": n}
