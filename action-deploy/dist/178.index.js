"use strict";
exports.id = 178;
exports.ids = [178];
exports.modules = {

/***/ 1178:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   swarmMain: () => (/* binding */ swarmMain)
/* harmony export */ });
/** orchestrator: swarm (issue 12; being built). */
async function swarmMain(_settings, _context) {
    throw new Error('orchestrator swarm is not built yet');
}


/***/ })

};
;