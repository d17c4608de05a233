package smb

// SMB1 command codes (MS-CIFS 2.2.2.1).
const (
	ComCreateDirectory       uint8 = 0x00
	ComDeleteDirectory       uint8 = 0x01
	ComOpen                  uint8 = 0x02
	ComCreate                uint8 = 0x03
	ComClose                 uint8 = 0x04
	ComFlush                 uint8 = 0x05
	ComDelete                uint8 = 0x06
	ComRename                uint8 = 0x07
	ComQueryInformation      uint8 = 0x08
	ComSetInformation        uint8 = 0x09
	ComRead                  uint8 = 0x0A
	ComWrite                 uint8 = 0x0B
	ComLockByteRange         uint8 = 0x0C
	ComUnlockByteRange       uint8 = 0x0D
	ComCreateTemporary       uint8 = 0x0E
	ComCreateNew             uint8 = 0x0F
	ComCheckDirectory        uint8 = 0x10
	ComProcessExit           uint8 = 0x11
	ComSeek                  uint8 = 0x12
	ComLockAndRead           uint8 = 0x13
	ComWriteAndUnlock        uint8 = 0x14
	ComReadRaw               uint8 = 0x1A
	ComWriteRaw              uint8 = 0x1D
	ComQueryInformation2     uint8 = 0x23
	ComSetInformation2       uint8 = 0x22
	ComLockingAndX           uint8 = 0x24
	ComTransaction           uint8 = 0x25
	ComTransactionSecondary  uint8 = 0x26
	ComIOCTL                 uint8 = 0x27
	ComCopy                  uint8 = 0x29
	ComMove                  uint8 = 0x2A
	ComEcho                  uint8 = 0x2B
	ComWriteAndClose         uint8 = 0x2C
	ComOpenAndX              uint8 = 0x2D
	ComReadAndX              uint8 = 0x2E
	ComWriteAndX             uint8 = 0x2F
	ComCloseAndTreeDisc      uint8 = 0x31
	ComTransaction2          uint8 = 0x32
	ComTransaction2Secondary uint8 = 0x33
	ComFindClose2            uint8 = 0x34
	ComFindNotifyClose       uint8 = 0x35
	ComTreeConnect           uint8 = 0x70
	ComTreeDisconnect        uint8 = 0x71
	ComNegotiate             uint8 = 0x72
	ComSessionSetupAndX      uint8 = 0x73
	ComLogoffAndX            uint8 = 0x74
	ComTreeConnectAndX       uint8 = 0x75
	ComQueryInformationDisk  uint8 = 0x80
	ComSearch                uint8 = 0x81
	ComFind                  uint8 = 0x82
	ComFindUnique            uint8 = 0x83
	ComFindClose             uint8 = 0x84
	ComNTTransact            uint8 = 0xA0
	ComNTTransactSecondary   uint8 = 0xA1
	ComNTCreateAndX          uint8 = 0xA2
	ComNTCancel              uint8 = 0xA4
	ComNTRename              uint8 = 0xA5
	ComOpenPrintFile         uint8 = 0xC0
	ComWritePrintFile        uint8 = 0xC1
	ComClosePrintFile        uint8 = 0xC2
	ComGetPrintQueue         uint8 = 0xC3
	ComNoAndXCommand         uint8 = 0xFF
)

var commandNames = [256]string{
	ComCreateDirectory: "CREATE_DIRECTORY", ComDeleteDirectory: "DELETE_DIRECTORY",
	ComOpen: "OPEN", ComCreate: "CREATE", ComClose: "CLOSE", ComFlush: "FLUSH",
	ComDelete: "DELETE", ComRename: "RENAME", ComQueryInformation: "QUERY_INFORMATION",
	ComSetInformation: "SET_INFORMATION", ComRead: "READ", ComWrite: "WRITE",
	ComLockByteRange: "LOCK_BYTE_RANGE", ComUnlockByteRange: "UNLOCK_BYTE_RANGE",
	ComCreateTemporary: "CREATE_TEMPORARY", ComCreateNew: "CREATE_NEW",
	ComCheckDirectory: "CHECK_DIRECTORY", ComProcessExit: "PROCESS_EXIT", ComSeek: "SEEK",
	ComLockAndRead: "LOCK_AND_READ", ComWriteAndUnlock: "WRITE_AND_UNLOCK",
	ComReadRaw: "READ_RAW", ComWriteRaw: "WRITE_RAW",
	ComSetInformation2: "SET_INFORMATION2", ComQueryInformation2: "QUERY_INFORMATION2",
	ComLockingAndX: "LOCKING_ANDX", ComTransaction: "TRANSACTION",
	ComTransactionSecondary: "TRANSACTION_SECONDARY", ComIOCTL: "IOCTL", ComCopy: "COPY",
	ComMove: "MOVE", ComEcho: "ECHO", ComWriteAndClose: "WRITE_AND_CLOSE",
	ComOpenAndX: "OPEN_ANDX", ComReadAndX: "READ_ANDX", ComWriteAndX: "WRITE_ANDX",
	ComCloseAndTreeDisc: "CLOSE_AND_TREE_DISC", ComTransaction2: "TRANSACTION2",
	ComTransaction2Secondary: "TRANSACTION2_SECONDARY", ComFindClose2: "FIND_CLOSE2",
	ComFindNotifyClose: "FIND_NOTIFY_CLOSE", ComTreeConnect: "TREE_CONNECT",
	ComTreeDisconnect: "TREE_DISCONNECT", ComNegotiate: "NEGOTIATE",
	ComSessionSetupAndX: "SESSION_SETUP_ANDX", ComLogoffAndX: "LOGOFF_ANDX",
	ComTreeConnectAndX: "TREE_CONNECT_ANDX", ComQueryInformationDisk: "QUERY_INFORMATION_DISK",
	ComSearch: "SEARCH", ComFind: "FIND", ComFindUnique: "FIND_UNIQUE", ComFindClose: "FIND_CLOSE",
	ComNTTransact: "NT_TRANSACT", ComNTTransactSecondary: "NT_TRANSACT_SECONDARY",
	ComNTCreateAndX: "NT_CREATE_ANDX", ComNTCancel: "NT_CANCEL", ComNTRename: "NT_RENAME",
	ComOpenPrintFile: "OPEN_PRINT_FILE", ComWritePrintFile: "WRITE_PRINT_FILE",
	ComClosePrintFile: "CLOSE_PRINT_FILE", ComGetPrintQueue: "GET_PRINT_QUEUE",
	ComNoAndXCommand: "NO_ANDX_COMMAND",
}

// CommandName returns the spec's name for a command code, for logs.
func CommandName(c uint8) string {
	if n := commandNames[c]; n != "" {
		return n
	}
	return "UNKNOWN"
}

// IsAndX reports whether command c carries an AndX header (AndXCommand,
// AndXReserved, AndXOffset) at the start of its parameter words
// (MS-CIFS 2.2.3.4).
func IsAndX(c uint8) bool {
	switch c {
	case ComLockingAndX, ComOpenAndX, ComReadAndX, ComWriteAndX,
		ComSessionSetupAndX, ComLogoffAndX, ComTreeConnectAndX, ComNTCreateAndX:
		return true
	}
	return false
}
