# Every RTL source of the card, in compile order (packages first).
-f regs/regs.f
-f common/common.f
-f crypto/crypto.f
-f esp/esp.f
-f ctrl/ctrl.f
-f top/top.f
