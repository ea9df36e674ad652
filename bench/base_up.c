/* base_forkexec's child: says it runs (a byte on fd 3), then waits. */
#include <unistd.h>

int main(void)
{
	if (write(3, "x", 1) != 1)
		return 1;
	pause();
	return 0;
}
