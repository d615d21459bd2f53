// The version of the job API in these headers. A plugin records the version it was built
// against (see job.h); minimr refuses a plugin built against another one.
#pragma once

// 2: JobDefinition::generated_files.
// 3: JobDefinition::report_plots; Partitioner::Setup, JobDefinition::synthetic_splits and
//    prepare, output format raw.
// 4: minimr/count_blocks.h (CountKeys, CountBlocks, CountBlockCombiner, CountBlockReducer).
// 5: ReportContext::plots; minimr/plot.h's PlotFormat (plots as PNG or SVG).
// 6: minimr/count_blocks.h's ReserveKeys.
// 7: minimr/atomic_file.h (AtomicFile, WriteFileAtomically), minimr/hex.h (Hex).
// 8: JobDefinition::report_is_verdict; minimr/generated_files.h (MakeFilesTogether).
#define MINIMR_API_VERSION 8
