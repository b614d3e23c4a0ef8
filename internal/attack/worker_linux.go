package attack

import (
	"os/exec"
	"syscall"
)

// endWithParent has the kernel end a worker when the process that started
// it ends (a test binary stopped at its timeout), whatever it is solving.
func endWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
