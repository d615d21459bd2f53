// `minimr pi generate`: digits of pi into Kanada-layout files.
#pragma once

namespace minimr::pidigits {

// argv[0] is "generate". Returns the exit status.
int PiGenerateCommand(int argc, char** argv);

}  // namespace minimr::pidigits
