// libgpiod v1 (Debian 12's libgpiod-dev 1.6): the character-device GPIO API with edge events.
// Swift reaches it through this system-library target; no Swift package wraps it.
#include <gpiod.h>
