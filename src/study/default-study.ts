// The built-in default study (`npm start`, `hetero study` without a spec): the seed paper's four
// dimensions — models, devices (hardware/software), workload patterns and resource availability —
// on hetero's built-in models and catalog devices. Kept as YAML text in a module so that the compiled
// library carries it (tsc copies no .yaml files); `hetero study --print-default` prints it.
export const DEFAULT_STUDY_YAML = `# hetero's default study. Sized to finish in under 5 minutes on a 2-core machine: a full product of
# 8 models x 9 devices x 14 strategies x 4 workloads x 6 conditions would be ~24,000 simulations, so
# the study is a set of sweeps, each the product that answers one question:
#   plans     - every model x every device x every strategy, static prediction of one inference
#               (cheap: one planning each; these plans are cached in OUT/plans and reused by every
#               simulation below). Answers: speedup over the best single processor, NPU fallbacks,
#               where a single processor wins, energy per inference.
#   energy    - the same plans made for the energy objective, on the strategies that take one.
#   gantt     - the chosen plans with their traces (Gantt charts) on the newest Snapdragon.
#   contexts  - 4 model families x 4 devices x the co-execution families x 2 workloads x every
#               conditions preset: does the static winner survive background load, a busy GPU,
#               throttling, memory pressure and other models? 6 s of simulated time per cell: the
#               accelerator-unavailable preset takes the NPU away from 2 s to 6 s. (The
#               thermal-throttle preset starts the phone 2 °C under throttling and heats it over
#               minutes, so in seconds it shows little; minutes per cell would not fit 5 minutes.)
#   multi     - two multi-model workloads (OCR detection+recognition; camera classifier + voice
#               activity detection) under every preset, Band's scheduler vs per-model plans.
#   host      - real executions on this machine: each model's whole-CPU plan (one ORT session on all
#               cores) and its heft plan over the per-core workers cpu0, cpu1 (one worker thread and
#               one ORT thread each), run by the executor, verified against the monolithic model and
#               set beside the simulator's prediction for the plan on an idle host. Uses
#               .hetero/host.json, else a quick calibration made on the spot (OUT/host-quick.json).
name: default
description: >-
  hetero's default empirical study of parallel DNN inference across the CPU, GPU and NPU of phones:
  models x devices x strategies x workloads x resource conditions.
models:
  - { source: 'zoo:mobilenetv2' }        # light CNN
  - { source: 'zoo:resnet50' }           # heavy CNN
  - { source: 'zoo:inceptionv3' }        # branchy CNN
  - { source: 'zoo:vit-b16' }            # transformer (vision)
  - { source: 'zoo:bert-base' }          # transformer (language)
  - { source: 'pkg:ppocr-det' }          # real model: text detection
  - { source: 'pkg:ppocr-rec' }          # real model: text recognition (SVTR, attention + CTC)
  - { source: 'pkg:silero-vad' }         # real model: recurrent (LSTM) voice activity detection
devices: [sd855, kirin990, sd865, kirin9000, sd888, tensor-g2, sd8gen2, dimensity9200, host]
strategies: all
objectives: [latency]
workloads:
  - { name: single, kind: single }                       # one request at a time, back to back
  - { name: camera30, kind: periodic, fps: 30, sloMs: 33.3 }  # a 30 fps camera stream
  - name: ocr
    kind: multi
    streams:
      - { model: ppocr-det, fps: 5, sloMs: 200 }
      - { model: ppocr-rec, fps: 20, sloMs: 50 }
  - name: camera+vad
    kind: multi
    streams:
      - { model: mobilenetv2, fps: 30, sloMs: 33.3 }
      - { model: silero-vad, fps: 31.25, sloMs: 32 }   # 512 samples at 16 kHz
conditions: all
seeds: [1]
durationMs: 6000
runs: 5
sweeps:
  - name: plans
    run: plan
  - name: energy
    run: plan
    devices: [sd855, sd865, sd888, sd8gen2, dimensity9200, kirin9000]
    strategies: [best-single, layerwise, heft, band, adaptive]
    objectives: [energy]
  - name: gantt
    run: plan
    devices: [sd8gen2]
    strategies: [best-single, adaptive]
    traces: true
  - name: contexts
    run: simulate
    models: [mobilenetv2, inceptionv3, vit-b16, ppocr-rec]
    devices: [sd865, sd888, sd8gen2, dimensity9200]
    strategies: [best-single, layerwise, heft, ulayer, codl, pipeline, band, adaptive]
    workloads: [single, camera30]
  - name: multi
    run: simulate
    devices: [sd888, sd8gen2]
    strategies: [best-single, heft, band, adaptive]
    workloads: [ocr, camera+vad]
  - name: host
    run: execute
    models: [mobilenetv2, resnet50, inceptionv3, ppocr-det, ppocr-rec, silero-vad]
    devices: [host]
    strategies: [cpu, heft]
    traces: true
`;
